"""Tasks: the task contract, batched torch environments, simulator adapters, and their typed specs."""

from rewardsmith.tasks.base import BatchedTask
from rewardsmith.tasks.context import render_context
from rewardsmith.tasks.protocol import State, StepOutput, Task
from rewardsmith.tasks.registry import TaskLoadError, load_task, register, task_names
from rewardsmith.tasks.spec import (
    BoxSpace,
    DiscreteSpace,
    FitnessSpec,
    ObservationSpec,
    Obstacle,
    PPOHints,
    StateVariable,
    TaskSpec,
    common_state_variables,
)

__all__ = [
    "BatchedTask",
    "BoxSpace",
    "DiscreteSpace",
    "FitnessSpec",
    "ObservationSpec",
    "Obstacle",
    "PPOHints",
    "State",
    "StateVariable",
    "StepOutput",
    "Task",
    "TaskLoadError",
    "TaskSpec",
    "common_state_variables",
    "load_task",
    "register",
    "render_context",
    "task_names",
]
