"""A batch's tasks through the loop's family seam (:func:`rewardsmith.loop.families.open_family`): each task's
family, and a family's refusal of the batch's settings as one line naming the field at fault.

The batch knows no kind of task itself: a control task, a task file and a text task are each whatever family
claims them, and what a family cannot honour it says in :meth:`~rewardsmith.loop.families.base.Family.check`,
the check ``rewardsmith design`` makes, here made for every task when the batch file is read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rewardsmith.config import DesignConfig
from rewardsmith.loop.families import Family, open_family
from rewardsmith.loop.families.base import FamilyConfigError
from rewardsmith.tasks import TaskLoadError

ConfigOf = Callable[[Mapping[str, object]], DesignConfig]
"""A run's config from the batch's ``design:`` settings (or some of them)."""


def open_tasks(tasks: list[str]) -> dict[str, Family]:
    """Every task's family, opened on it.

    Raises:
        ValueError: One line: a task no family knows (naming every family's tasks), or a task file that
            cannot be loaded.
    """
    families: dict[str, Family] = {}
    for task in tasks:
        try:
            families[task] = open_family(task)
        except TaskLoadError as error:
            raise ValueError(str(error)) from None
    return families


def design_refusal(task: str, family: Family, design: Mapping[str, object], config_of: ConfigOf) -> str | None:
    """The family's refusal of ``task`` run with the ``design:`` settings, as one line that starts with the
    fields at fault and the task; None where it accepts them.

    The family's message names the setting as the command line spells it (``--device cuda``); the fields at
    fault are found as the settings without which the family no longer gives that refusal (it accepts, or
    refuses the next thing), so the line names them as the batch file does (``design.device``), whichever
    family refused. Where no one setting is to blame (the family refuses its defaults), it names ``design``.
    """
    reason = _refusal(family, config_of(design))
    if reason is None:
        return None
    at_fault = [
        key for key in design if _refusal(family, config_of({k: v for k, v in design.items() if k != key})) != reason
    ]
    where = ", ".join(f"design.{key}" for key in at_fault) or "design"
    return f"{where} (task '{task}'): {reason}"


def cpu_only(family: Family, config: DesignConfig) -> bool:
    """Whether the family refuses to train this run on a GPU: a job ``gpus_per_job`` gives a GPU trains on it,
    as ``--device cuda`` would, so a family that refuses that device cannot use one."""
    return _refusal(family, config.model_copy(update={"device": "cuda"})) is not None


def _refusal(family: Family, config: DesignConfig) -> str | None:
    try:
        family.check(config)
    except FamilyConfigError as error:
        return str(error)
    return None
