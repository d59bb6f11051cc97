"""Access to the built-in tasks' sparse and reference rewards, kept as plain reward-contract files."""

from __future__ import annotations

from importlib import resources


def read_reward(name: str) -> str:
    """The source text of ``rewards/<name>.py`` shipped with the built-in tasks."""
    return resources.files("rewardsmith.tasks.builtin").joinpath("rewards", f"{name}.py").read_text()
