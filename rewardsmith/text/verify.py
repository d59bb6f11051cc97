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
from rewardsmith.text.task import Split, TextExample, TextTask

CompletionSource = Literal["solution", "sample"]


class TextCompletion(BaseModel):
    """A completion to score, of one prompt of the task."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    example: int = Field(ge=0, description="Index of its prompt in the split.")
    text: str = Field(description="The completion.")
    split: Split = Field(default="train", description="The split its prompt is from.")


class TextVerifyResult(BaseModel):
    """The reward on the solutions, then on the samples, in one call: what it paid and each component."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    examples: list[int] = Field(description="Index of each scored completion's prompt in its split.")
    sources: list[CompletionSource] = Field(description="Whether each is the prompt's solution or a sample.")
    rewards: list[float] = Field(description="The reward of each completion.")
    components: dict[str, list[float]] = Field(default_factory=dict, description="Each component, per completion.")
    seconds: float = Field(ge=0, description="Seconds the reward took on the whole set.")

    def mean(self, source: CompletionSource) -> float | None:
        """Mean reward of the completions from ``source``; None when there are none."""
        values = [r for r, s in zip(self.rewards, self.sources, strict=True) if s == source]
        return sum(values) / len(values) if values else None


def verify_text_reward(
    task: TextTask,
    reward: TextReward,
    samples: Sequence[TextCompletion] = (),
    *,
    solutions: int | None = None,
    batch_size: int | None = None,
) -> TextVerifyResult:
    """Score the first ``solutions`` training solutions (all when None), then ``samples``.

    Args:
        batch_size: Completions per call of the reward, in order; None scores them all in one call. A
            reward may depend on its batch (a group's mean, a rank), so a caller that judged batches
            asks for the same ones here.

    Raises:
        RewardContractError: The reward raised or broke the contract.
        ValueError: A sample names a prompt outside its split.
    """
    count = len(task.train) if solutions is None else min(solutions, len(task.train))
    for sample in samples:
        size = len(task.examples(sample.split))
        if sample.example >= size:
            raise ValueError(f"sample of prompt {sample.example}: the {sample.split} split has {size} prompts")
    indices = [*range(count), *(s.example for s in samples)]
    examples = [*task.train[:count], *(task.examples(s.split)[s.example] for s in samples)]
    texts = [*(e.solution for e in task.train[:count]), *(s.text for s in samples)]
    step = batch_size or max(len(texts), 1)
    started = time.monotonic()
    outputs = [
        score_text(task, reward, examples[first : first + step], texts[first : first + step])
        for first in range(0, len(texts), step)
    ] or [score_text(task, reward, [], [])]
    # Only components every batch reported can be given per completion.
    names = set.intersection(*(set(output.components) for output in outputs))
    return TextVerifyResult(
        examples=indices,
        sources=["solution"] * count + ["sample"] * len(samples),
        rewards=[value for output in outputs for value in output.rewards],
        components={name: [v for output in outputs for v in output.components[name]] for name in sorted(names)},
        seconds=time.monotonic() - started,
    )


def score_text(
    task: TextTask, reward: TextReward, examples: Sequence[TextExample], completions: Sequence[str]
) -> TextRewardOutput:
    """``reward`` on ``completions``, each written for the example at the same position, with the task's columns."""
    examples = list(examples)
    return reward([e.prompt for e in examples], list(completions), [e.answer for e in examples], task.columns(examples))
