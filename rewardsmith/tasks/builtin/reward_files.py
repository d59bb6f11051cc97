"""Access to the built-in tasks' sparse and reference rewards, kept as plain reward-contract files."""

from __future__ import annotations

from importlib import resources


def read_reward(name: str) -> str:
    """The source text of ``rewards/<name>.py`` shipped with the built-in tasks."""
    return resources.files("rewardsmith.tasks.builtin").joinpath("rewards", f"{name}.py").read_text()


def builtin_rewards(task: str) -> dict[str, str | None]:
    """A built-in task's sparse and reference reward code, as ``TaskSpec`` fields."""
    return {
        "sparse_reward_code": read_reward(f"{task}_sparse"),
        "reference_reward_code": read_reward(f"{task}_reference"),
    }


def no_reference(task: str) -> dict[str, str | None]:
    """The sparse reward of a built-in task that has no reference reward, hence no normalised score."""
    return {"sparse_reward_code": read_reward(f"{task}_sparse"), "reference_reward_code": None}
