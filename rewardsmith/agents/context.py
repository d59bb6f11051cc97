"""What a designer reads about a task: the task's own context, then the reward toolkit.

The task renders its state, observation and contract (:func:`rewardsmith.tasks.render_context`); the
toolkit is the bounded reward transforms, their guarantees and the learner's discount, so that any
designer reading it, rule-based or a model, can reach for them instead of a raw dense term.
"""

from __future__ import annotations

import textwrap

from rewardsmith.rewards.transforms import describe_transforms
from rewardsmith.tasks import Task, TaskSpec, render_context


def designer_context(task_class: type[Task]) -> str:
    """The task's context followed by the transforms section."""
    return render_context(task_class) + "\n" + "\n".join(_transforms_section(task_class.spec)) + "\n"


def _transforms_section(spec: TaskSpec) -> list[str]:
    notes = [describe_transforms()]
    previous = [v.name for v in spec.state_variables if v.name.startswith("previous_")]
    if previous:
        notes.append(
            f"{', '.join(previous)} hold a value one step earlier: delta's value_before, or where potential_shaping's "
            "phi_now is evaluated."
        )
    notes.append(
        f"The learner's discount factor is {spec.ppo.discount_factor}: pass it as potential_shaping's gamma; "
        "its done takes only flags that end an episode, never the time limit."
    )
    lines = []
    for line in "\n".join(notes).splitlines():
        # Unbroken words keep code such as ``delta(x, previous_x)`` on one line.
        wrapped = textwrap.wrap(line, 100, subsequent_indent="    ", break_long_words=False, break_on_hyphens=False)
        lines += [f"# {part}" for part in wrapped]
    return lines
