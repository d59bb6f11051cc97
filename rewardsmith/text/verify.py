"""Verify a text reward on a set of completions: the task's solutions and sample completions of its prompts.

A reward that raises, returns NaN or a list of the wrong length fails here with the contract's typed
error (:mod:`rewardsmith.text.contract`), before any training starts.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.text.contract import TextReward, TextRewardOutput
from rewardsmith.text.task import TextExample, TextTask

CompletionSource = Literal["solution", "sample"]


class TextCompletion(BaseModel):
    """A completion to score, of one training prompt."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    example: int = Field(ge=0, description="Index of its prompt in the task's training split.")
    text: str = Field(description="The completion.")


class TextVerifyResult(BaseModel):
    """The reward on the solutions, then on the samples, in one call: what it paid and each component."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    examples: list[int] = Field(description="Training-split index of each scored completion's prompt.")
    sources: list[CompletionSource] = Field(description="Whether each is the prompt's solution or a sample.")
    rewards: list[float] = Field(description="The reward of each completion.")
    components: dict[str, list[float]] = Field(default_factory=dict, description="Each component, per completion.")
    seconds: float = Field(ge=0, description="Seconds the reward took on the whole set.")

    def mean(self, source: CompletionSource) -> float | None:
        """Mean reward of the completions from ``source``; None when there are none."""
        values = [r for r, s in zip(self.rewards, self.sources, strict=True) if s == source]
        return sum(values) / len(values) if values else None


def verify_text_reward(
    task: TextTask, reward: TextReward, samples: Sequence[TextCompletion] = (), *, solutions: int | None = None
) -> TextVerifyResult:
    """Score the first ``solutions`` training solutions (all when None) and ``samples`` in one call.

    Raises:
        RewardContractError: The reward raised or broke the contract.
        ValueError: A sample names a prompt outside the training split.
    """
    count = len(task.train) if solutions is None else min(solutions, len(task.train))
    for sample in samples:
        if sample.example >= len(task.train):
            raise ValueError(f"sample of prompt {sample.example}: the training split has {len(task.train)} prompts")
    indices = [*range(count), *(s.example for s in samples)]
    texts = [*(e.solution for e in task.train[:count]), *(s.text for s in samples)]
    started = time.monotonic()
    output = score_text(task, reward, [task.train[i] for i in indices], texts)
    return TextVerifyResult(
        examples=indices,
        sources=["solution"] * count + ["sample"] * len(samples),
        rewards=output.rewards,
        components=output.components,
        seconds=time.monotonic() - started,
    )


def score_text(
    task: TextTask, reward: TextReward, examples: Sequence[TextExample], completions: Sequence[str]
) -> TextRewardOutput:
    """``reward`` on ``completions``, each written for the example at the same position, with the task's columns."""
    examples = list(examples)
    return reward([e.prompt for e in examples], list(completions), [e.answer for e in examples], task.columns(examples))
