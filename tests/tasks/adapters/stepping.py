"""Stepping helpers shared by the simulator adapters' tests."""

from __future__ import annotations

import torch

from rewardsmith.tasks.protocol import StepOutput, Task


def run_until_done(task: Task, push: float = 1.0, limit: int = 200) -> StepOutput:
    """Push every cart the same way until some episode ends; the step where one did."""
    for _ in range(limit):
        output = task.step(torch.full((task.num_envs, *task.action_shape), push))
        if output.done.any():
            return output
    raise AssertionError(f"no episode ended in {limit} steps")
