"""How training calls reward code: by state-variable name, with typed failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch

from rewardsmith.tasks.protocol import State

RewardFn = Callable[[State], tuple[torch.Tensor, dict[str, torch.Tensor]]]
"""A reward as training sees it: the state dict in, total and named components out."""


TrainingErrorKind = Literal["reward_runtime_error", "reward_contract", "non_finite_reward"]
"""Why training stopped: the reward raised, broke the contract, or returned NaN/inf."""


class TrainingError(RuntimeError):
    """Training stopped because of the reward or the run itself.

    ``kind`` is stable and machine-readable; the message says what happened and what to change.
    """

    def __init__(self, kind: TrainingErrorKind, message: str, step: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.step = step


def call_reward(
    reward: RewardFn, state: State, num_envs: int, step: int
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Call reward code on one step's state, as float32, raising :class:`TrainingError` on a breach.

    Only cheap checks run here (this is the hot path); finiteness is checked once per rollout.
    """
    # Copies, because the task steps on from these very tensors: an in-place write in reward code
    # would otherwise change the dynamics (e.g. zeroing episode_step to dodge truncation).
    wanted = getattr(reward, "parameters", None) or state.keys()
    inputs = {name: state[name].clone() for name in wanted if name in state}
    try:
        total, components = reward(inputs)
    # SystemExit too: reward code calling sys.exit must not end the trainer untyped.
    except (Exception, SystemExit) as error:
        raise TrainingError(
            "reward_runtime_error",
            f"reward code raised {type(error).__name__}: {error} at training step {step}",
            step=step,
        ) from error
    expected = (num_envs,)
    if not isinstance(total, torch.Tensor) or tuple(total.shape) != expected:
        shape = tuple(total.shape) if isinstance(total, torch.Tensor) else type(total).__name__
        raise TrainingError("reward_contract", f"total reward has shape {shape}, expected {expected}", step=step)
    if not isinstance(components, dict):
        raise TrainingError(
            "reward_contract", f"components must be a dict of tensors, got {type(components).__name__}", step=step
        )
    for name, value in components.items():
        if not isinstance(value, torch.Tensor) or tuple(value.shape) != expected:
            raise TrainingError("reward_contract", f"component '{name}' is not a tensor of shape {expected}", step=step)
    return total.to(torch.float32), {name: value.to(torch.float32) for name, value in components.items()}
