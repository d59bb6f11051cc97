"""The text tasks by name: the one place a built-in text task is registered.

The control tasks' registry (:mod:`rewardsmith.tasks.registry`) maps names to :class:`~rewardsmith.tasks.Task`
classes; text tasks are data made by a function from a seed, so they have a table of their own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from rewardsmith.text.builtin.common import DEFAULT_SPLIT_SIZE
from rewardsmith.text.task import TextTask

TaskFactory = Callable[..., TextTask]

_BUILTIN: dict[str, str] = {
    "arithmetic": "rewardsmith.text.builtin.arithmetic:make_task",
    "sorting": "rewardsmith.text.builtin.sorting:make_task",
    "counting": "rewardsmith.text.builtin.counting:make_task",
    "formatting": "rewardsmith.text.builtin.formatting:make_task",
    "summary": "rewardsmith.text.builtin.summary:make_task",
}


class TextTaskError(ValueError):
    """An unknown text task, or sizes it cannot be made with. The message is one line."""


def text_task_names() -> list[str]:
    """Names of the built-in text tasks, sorted."""
    return sorted(_BUILTIN)


def is_text_task(name: str) -> bool:
    return name in _BUILTIN


def load_text_task(
    name: str, *, seed: int = 0, train_size: int = DEFAULT_SPLIT_SIZE, held_out_size: int = DEFAULT_SPLIT_SIZE
) -> TextTask:
    """Generate a built-in text task's examples from ``seed``: the same seed gives the same task.

    Raises:
        TextTaskError: The name is unknown, or the sizes cannot be met.
    """
    if name not in _BUILTIN:
        raise TextTaskError(f"unknown text task '{name}': use one of {', '.join(text_task_names())}")
    module_name, function_name = _BUILTIN[name].split(":")
    factory: TaskFactory = getattr(importlib.import_module(module_name), function_name)
    try:
        return factory(seed=seed, train_size=train_size, held_out_size=held_out_size)
    except ValueError as error:
        raise TextTaskError(f"text task '{name}': {error}") from None
