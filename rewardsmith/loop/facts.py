"""The kinds of task the loop designs for, and what its family-blind parts (select, the final evaluation, the
report) read of a task."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

TaskFamily = Literal["control", "text"]
"""Control (a simulator stepped by PPO) and text (prompts a language model answers, trained by GRPO)."""


class TaskFacts(BaseModel):
    """A task as the family-blind parts of the loop see it."""

    name: str = Field(description="The task's registry name.")
    family: TaskFamily
    fitness_name: str = Field(description="What the task's fitness measures, e.g. 'success_rate'.")
    solved_threshold: float = Field(description="Fitness at or above which the task counts as solved.")
    sparse_reward_code: str = Field(description="The floor of normalised scores.")
    reference_reward_code: str | None = Field(description="The ceiling of normalised scores; None where none exists.")
    step_unit: str = Field(default="env steps", description="What a training's steps count.")

    @property
    def has_reference(self) -> bool:
        return self.reference_reward_code is not None
