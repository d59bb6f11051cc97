"""The environment context a reward designer reads: typed state stubs and the observation code.

Like the environment source Eureka shows its LLM, pruned to what reward code may use. The fitness
metric's definition is deliberately absent: reward code must not be written against it. A designer
reads it followed by the reward toolkit (:func:`rewardsmith.agents.context.designer_context`).
"""

from __future__ import annotations

import textwrap

from rewardsmith.tasks.protocol import Task
from rewardsmith.tasks.spec import BoxSpace, StateVariable, TaskSpec


def render_context(task_class: type[Task]) -> str:
    """Render what a designer may know about ``task_class`` as Python-flavoured text."""
    spec = task_class.spec
    lines = [
        f"# Task: {spec.name}",
        *(f"# {line}" for line in textwrap.wrap(spec.description, 96)),
        f"# Episodes last at most {spec.episode_length} steps of {spec.dt} s.",
        f"# Action space: {_describe_actions(spec)}",
        "",
        "# State variables. A reward function takes any of them as parameters, by exact name.",
        "# Each is a torch.Tensor whose first dimension is num_envs.",
        "class State:",
    ]
    for variable in spec.state_variables:
        shape = ", ".join(["num_envs", *(str(d) for d in variable.shape)])
        lines.append(
            f"    {variable.name}: Tensor  # [{shape}] {variable.dtype}, {variable.unit}: {variable.description}"
            f"{_intent(variable)}"
        )
    lines += [
        "",
        "# The observation the policy sees (it is not available to reward code):",
        textwrap.dedent(task_class.designer_source()).rstrip(),
        "",
        "# Reward contract:",
        "# def compute_reward(<state variable names>) -> tuple[Tensor, dict[str, Tensor]]",
        "#     returns the total reward [num_envs] and its named components, each [num_envs].",
    ]
    return "\n".join(lines) + "\n"


def _intent(variable: StateVariable) -> str:
    """What the spec says this variable should do, for designers that read rather than parse."""
    notes = []
    if variable.target is not None:
        notes.append(f"should reach {variable.target}")
    if variable.direction is not None:
        notes.append(f"should grow along {list(variable.direction)}")
    for obstacle in variable.avoid:
        notes.append(f"must go around the disc of radius {obstacle.radius:g} at {list(obstacle.centre)}")
    if variable.desired is not None:
        notes.append(f"desired {variable.desired}")
    return f" [{'; '.join(notes)}]" if notes else ""


def _describe_actions(spec: TaskSpec) -> str:
    space = spec.action_space
    if isinstance(space, BoxSpace):
        return f"continuous, shape {list(space.shape)}, each element in [{space.low}, {space.high}]"
    return f"discrete, {space.n} choices applying {list(space.values)}"
