"""The task families the loop designs for, and which one a task name or file belongs to.

A new family is a module here implementing :class:`~rewardsmith.loop.families.base.Family`, and one line
in :data:`FAMILY_OPENERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from rewardsmith.loop.facts import TaskFacts, TaskFamily
from rewardsmith.loop.families.base import Family
from rewardsmith.loop.families.control import ControlFamily
from rewardsmith.loop.families.text import TextFamily
from rewardsmith.tasks import TaskLoadError
from rewardsmith.tasks.registry import task_names
from rewardsmith.text.registry import text_task_names

FamilyOpener = Callable[[str], Family | None]
"""A family's claim on a task reference: the family opened on it, or None where the reference is not its."""

#: Tried in order: each claims the names (or files) that are its own.
FAMILY_OPENERS: dict[TaskFamily, FamilyOpener] = {
    "control": ControlFamily.open,
    "text": TextFamily.open,
}


def open_family(task_ref: str) -> Family:
    """The family of ``task_ref`` (a registry name or ``path/file.py:ClassName``), opened on that task.

    Raises:
        rewardsmith.tasks.TaskLoadError: No family knows the task, or its file cannot be loaded or breaks the
            task contract.
    """
    for opener in FAMILY_OPENERS.values():
        family = opener(task_ref)
        if family is not None:
            return family
    raise TaskLoadError(
        f"unknown task '{task_ref}': use a control task ({', '.join(task_names())}), a text task "
        f"({', '.join(text_task_names())}), or path/to/file.py:ClassName"
    )


__all__ = ["FAMILY_OPENERS", "Family", "TaskFacts", "TaskFamily", "open_family"]
