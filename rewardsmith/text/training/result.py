"""What a GRPO run on a text task reports: a typed learning curve that the text detectors read."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.text.training.config import TextTaskRef, TextTrainConfig


class CompletionStats(BaseModel):
    """Statistics of a set of completions, as the detectors need them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int = Field(ge=0, description="Completions counted.")
    mean_chars: float = Field(ge=0, description="Mean completion length in characters.")
    mean_tokens: float | None = Field(default=None, description="Mean completion length in tokens, when known.")
    repeated_ngram_share: float = Field(
        ge=0, le=1, description="Share of word n-grams that repeat an earlier n-gram of the same completion."
    )
    format_without_correct: float | None = Field(
        default=None,
        description="Share of completions in the required form that the trusted checker fails; None where the "
        "task has no format check.",
    )


class JudgedCompletion(BaseModel):
    """One held-out completion as a judge criterion and the trusted checker each scored it, both in [0, 1]."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    criterion: str = Field(description="The rubric's judge criterion.")
    judge_score: float = Field(ge=0, le=1, description="The criterion's score: its verdict's rank, scaled to [0, 1].")
    fitness: float = Field(ge=0, le=1, description="The trusted checker's fitness of the same completion.")


class EvalPoint(BaseModel):
    """The policy at one step: greedy completions of the held-out prompts, and training since the last point."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: int = Field(ge=0, description="Optimiser steps done; 0 is the untrained policy.")
    wall_time_s: float = Field(ge=0, description="Seconds since training started (model load excluded).")
    held_out_fitness: float = Field(description="Mean trusted fitness of the greedy held-out completions.")
    held_out_reward: float = Field(description="Mean reward the trained reward gives the same completions.")
    held_out: CompletionStats = Field(description="The greedy held-out completions' statistics.")
    train_reward: float | None = Field(
        default=None, description="Mean reward of the sampled training completions since the last point; None at 0."
    )
    train_components: dict[str, float] = Field(
        default_factory=dict, description="Mean of each reward component over the same completions."
    )
    train: CompletionStats | None = Field(default=None, description="The same completions' statistics.")
    samples: list[str] = Field(default_factory=list, description="The first few greedy held-out completions.")
    judged: list[JudgedCompletion] = Field(
        default_factory=list,
        description="Each judge criterion's verdict on each greedy held-out completion, beside the checker's "
        "fitness of it; empty where the reward has no judge criterion.",
    )


class StepRecord(BaseModel):
    """One optimiser step's sampled completions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: int = Field(gt=0, description="The step (1-based).")
    reward: float = Field(description="Mean reward of the step's completions.")
    components: dict[str, float] = Field(default_factory=dict, description="Mean of each component.")
    mean_chars: float = Field(ge=0, description="Mean completion length in characters.")
    reward_std: float = Field(ge=0, description="Standard deviation of the step's rewards.")


class TextTrainingResult(BaseModel):
    """A GRPO run: its settings, the learning curve, and each step."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task: TextTaskRef = Field(description="The task trained on.")
    config: TextTrainConfig = Field(description="The run's settings.")
    model: str = Field(description="The policy's starting weights.")
    reward_sha256: str = Field(description="Hash of the reward code trained on.")
    curve: list[EvalPoint] = Field(description="Evaluation points in step order, step 0 first.")
    steps: list[StepRecord] = Field(default_factory=list, description="Every optimiser step.")
    load_time_s: float = Field(ge=0, description="Seconds to load the policy.")
    wall_time_s: float = Field(ge=0, description="Seconds of training and evaluation, load excluded.")

    @property
    def initial_fitness(self) -> float:
        return self.curve[0].held_out_fitness

    @property
    def final_fitness(self) -> float:
        return self.curve[-1].held_out_fitness

    @property
    def seconds_per_step(self) -> float | None:
        """Mean wall time of a step, evaluations included; None before any step."""
        return self.wall_time_s / len(self.steps) if self.steps else None
