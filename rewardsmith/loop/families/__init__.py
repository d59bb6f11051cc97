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

FamilyOpener = Callable[[str], Family | None]
"""A family's claim on a task reference: the family opened on it, or None where the reference is not its."""

#: Tried in order; control last, since it takes any name or file and says clearly when none fits.
FAMILY_OPENERS: dict[TaskFamily, FamilyOpener] = {
    "text": TextFamily.open,
    "control": ControlFamily.open,
}


def open_family(task_ref: str) -> Family:
    """The family of ``task_ref`` (a registry name or ``path/file.py:ClassName``), opened on that task.

    Raises:
        rewardsmith.tasks.TaskLoadError: No family knows the task, or its file breaks the task contract.
    """
    for opener in FAMILY_OPENERS.values():
        family = opener(task_ref)
        if family is not None:
            return family
    raise AssertionError("the control family opens every reference or raises")  # pragma: no cover


__all__ = ["FAMILY_OPENERS", "Family", "TaskFacts", "TaskFamily", "open_family"]
