"""Per-step rewards of a reasoning completion, and the Clip and Delta transforms that keep them from being farmed.

A process reward scores each step of a completion. Summed as it is, it pays a policy for more steps:
repeating one correct step many times earns more than solving the problem. "On Designing Effective RL
Reward at Training Time for LLM Reasoning" (Gao et al., 2024) bounds it two ways, both here:

- :func:`clip_steps`: ``min(r_t - threshold, 0)``. No step pays, so a completion's return is ≤ 0 and
  extra steps can only cost.
- :func:`delta_steps`: ``r_t - r_{t+1}`` for every step but the last, which keeps ``r_K``. The sum
  telescopes to the first step's reward, so however many steps follow, the return is one step's worth.

Reward code imports them as ``from rewardsmith.text.steps import clip_steps, delta_steps``. They take a
completion's step rewards as a list (or a 1-D tensor) and return a list of floats; the arithmetic is the
control transforms' :func:`~rewardsmith.rewards.transforms.clip_below` and
:func:`~rewardsmith.rewards.transforms.delta`, in float64.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from rewardsmith.rewards.transforms import clip_below, delta

__all__ = ["clip_steps", "delta_steps", "split_steps"]


def split_steps(completion: str) -> list[str]:
    """A completion's steps: its non-blank lines, stripped."""
    return [line.strip() for line in completion.splitlines() if line.strip()]


def clip_steps(step_rewards: Sequence[float] | torch.Tensor, threshold: float = 0.0) -> list[float]:
    """Clip each step's reward above at 0 after subtracting ``threshold``: ``min(r_t - threshold, 0)``.

    Guarantee: every step pays ≤ 0, so a completion's return is ≤ 0 however many steps it has, and
    adding a step never raises it: a policy cannot farm the step reward by repeating steps.

    Args:
        step_rewards: The completion's step rewards, in order; may be empty.
        threshold: Finite level a step must reach to cost nothing.

    Raises:
        ValueError: A reward is not a finite number, or ``threshold`` is not a finite number.
    """
    rewards = _as_tensor(step_rewards)
    return clip_below(rewards, threshold).tolist()


def delta_steps(step_rewards: Sequence[float] | torch.Tensor) -> list[float]:
    """Pay each step the drop to the next step's reward; the last step keeps its own: ``r_t - r_{t+1}``, ``r_K``.

    Guarantee: the rewards telescope to ``r_1``, the first step's reward, whatever follows it: a
    completion earns one step's worth however many steps it repeats, and a later, worse step costs what
    it lost.

    Args:
        step_rewards: The completion's step rewards, in order; may be empty.

    Raises:
        ValueError: A reward is not a finite number.
    """
    rewards = _as_tensor(step_rewards)
    if len(rewards) < 2:
        return rewards.tolist()
    return torch.cat((delta(rewards[1:], rewards[:-1]), rewards[-1:])).tolist()


def _as_tensor(step_rewards: Sequence[float] | torch.Tensor) -> torch.Tensor:
    if isinstance(step_rewards, torch.Tensor):
        rewards = step_rewards.detach().to("cpu", torch.float64).reshape(-1)
    else:
        if any(isinstance(value, bool) or not isinstance(value, int | float) for value in step_rewards):
            raise ValueError("step rewards must be numbers, one per step; got a non-number")
        rewards = torch.tensor(list(step_rewards), dtype=torch.float64)
    if not torch.isfinite(rewards).all():
        raise ValueError("step rewards must be finite; a step scored NaN or infinity")
    return rewards
