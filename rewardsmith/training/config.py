"""Typed configuration of one PPO training run."""

from __future__ import annotations

import math
import re
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict, Field, field_validator

from rewardsmith.tasks.spec import PPOHints

#: The training devices rewardsmith accepts; torch knows many more (meta, mps, xla, ...) it cannot train on.
DEVICE_PATTERN = re.compile(r"auto|cpu|cuda(:\d+)?")


def check_device(value: str) -> str:
    """A pydantic validator: one of 'cpu', 'cuda', 'cuda:N' or 'auto'."""
    if not DEVICE_PATTERN.fullmatch(value):
        raise ValueError(f"'{value}' is not a training device; use 'cpu', 'cuda', 'cuda:N' or 'auto'")
    return value


class TrainConfig(BaseModel):
    """One PPO run. Fields left as ``None`` take the task's :class:`PPOHints`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    steps: int | None = Field(default=None, gt=0, description="Environment steps to train for (all envs together).")
    seed: int = Field(default=0, ge=0, lt=2**32, description="Seed of the policy, the training envs and the sampler.")
    device: str = Field(default="auto", description="'cpu', 'cuda', 'cuda:N', or 'auto' (cuda where available).")
    num_envs: int | None = Field(default=None, gt=0, description="Parallel training environments.")
    rollouts: int | None = Field(default=None, gt=0, description="Steps per environment between PPO updates.")
    learning_epochs: int | None = Field(default=None, gt=0, description="Passes over each rollout batch.")
    mini_batches: int | None = Field(default=None, gt=0, description="Mini-batches per epoch.")
    learning_rate: float | None = Field(default=None, gt=0, description="Adam learning rate.")
    discount_factor: float | None = Field(default=None, gt=0, le=1, description="Discount γ.")
    gae_lambda: float | None = Field(default=None, ge=0, le=1, description="GAE λ.")
    anneal_learning_rate: bool | None = Field(default=None, description="Decay the learning rate linearly to 5%.")
    entropy_loss_scale: float | None = Field(default=None, ge=0, description="Entropy bonus coefficient.")
    hidden_sizes: tuple[int, ...] | None = Field(default=None, description="Hidden widths of policy and value MLPs.")
    initial_log_std: float | None = Field(default=None, description="Initial log std of a Gaussian policy.")
    checkpoints: int = Field(default=10, gt=0, le=100, description="Evaluations spread evenly over training.")
    eval_episodes: int = Field(default=32, gt=0, description="Deterministic episodes per evaluation.")
    record_episodes: int = Field(default=2, ge=0, description="Whole episodes saved per evaluation for the analyzer.")
    dtype: Literal["float32", "float64"] = Field(default="float32", description="Float type of the task state.")

    _device = field_validator("device")(check_device)

    def planned_steps(self) -> int:
        """The env steps these settings train for: whole PPO updates of ``num_envs × rollouts``, at least one.

        Call it on a config whose hints are filled (:meth:`with_hints`).
        """
        assert self.steps and self.num_envs and self.rollouts, "fill the task's hints first"
        per_update = self.num_envs * self.rollouts
        return max(1, math.ceil(self.steps / per_update)) * per_update

    def with_hints(self, hints: PPOHints) -> TrainConfig:
        """A copy whose unset fields come from the task's hints."""
        filled = {
            name: getattr(hints, name)
            for name in PPOHints.model_fields
            if name in TrainConfig.model_fields and getattr(self, name) is None
        }
        return self.model_copy(update=filled)

    def torch_device(self) -> torch.device:
        """The device to train on, with 'auto' resolved."""
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        device = torch.device(self.device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device '{self.device}' asked for, but torch sees no CUDA device; use --device cpu")
        return device
