"""What a GRPO run on a text task is given: the task by name and seed, and the run's settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.text.builtin.common import DEFAULT_SPLIT_SIZE
from rewardsmith.text.registry import load_text_task
from rewardsmith.text.task import TextTask

#: Address space a GRPO job on the embedded model needs: torch, transformers and TRL map about 3 GiB
#: before the model loads, and the policy, its reference-free optimiser state and generation add about 2.
TEXT_TRAIN_MEMORY_MB = 12288


class TextTaskRef(BaseModel):
    """A built-in text task as a job names it: the name and what its examples are generated from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="A built-in text task, e.g. 'formatting'.")
    seed: int = Field(default=0, ge=0, description="Seed the task's examples are generated from.")
    train_size: int = Field(default=DEFAULT_SPLIT_SIZE, gt=0, description="Prompts in the training split.")
    held_out_size: int = Field(default=DEFAULT_SPLIT_SIZE, gt=0, description="Prompts in the held-out split.")

    def load(self) -> TextTask:
        """Generate the task's examples.

        Raises:
            TextTaskError: The name is unknown or the sizes cannot be met.
        """
        return load_text_task(self.name, seed=self.seed, train_size=self.train_size, held_out_size=self.held_out_size)


class TextTrainConfig(BaseModel):
    """The settings of one GRPO run (TRL's ``GRPOTrainer``) on the embedded SmolLM2-135M, on the CPU."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    steps: int = Field(default=40, gt=0, description="GRPO optimiser steps.")
    batch_size: int = Field(
        default=8, gt=0, description="Completions per step (prompts × generations); a multiple of generations."
    )
    generations: int = Field(default=4, ge=2, description="Completions sampled per prompt (GRPO's group size).")
    max_completion_tokens: int = Field(default=24, gt=0, description="Longest completion, in tokens.")
    learning_rate: float = Field(default=1e-5, gt=0, description="AdamW learning rate.")
    temperature: float = Field(default=1.0, gt=0, description="Sampling temperature of training completions.")
    beta: float = Field(default=0.0, ge=0, description="KL coefficient to the initial policy (0: no reference model).")
    seed: int = Field(default=0, ge=0, description="Seed of sampling and of the trainer.")
    eval_every: int = Field(default=10, gt=0, description="Evaluate held-out fitness every this many steps.")
    held_out: int = Field(default=16, gt=0, description="Held-out prompts evaluated (the first ones of the split).")
    eval_tokens: int | None = Field(
        default=None, gt=0, description="Longest greedy completion at evaluation, in tokens; None: as in training."
    )
    ngram: int = Field(default=3, ge=1, description="n of the repeated-n-gram share.")

    def eval_steps(self) -> list[int]:
        """The steps evaluated: 0 (the untrained policy), every ``eval_every``, and the last."""
        return sorted({0, *range(self.eval_every, self.steps + 1, self.eval_every), self.steps})

    def checked(self) -> TextTrainConfig:
        """This config, after checks that span fields.

        Raises:
            ValueError: ``batch_size`` is not a multiple of ``generations``.
        """
        if self.batch_size % self.generations:
            raise ValueError(
                f"batch_size {self.batch_size} is not a multiple of generations {self.generations}; GRPO samples "
                "whole groups"
            )
        return self
