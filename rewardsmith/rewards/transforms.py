"""Bounded reward transforms: pure torch functions that reward code may import to limit what a policy can farm.

Each transform works elementwise on batched tensors (``[num_envs]``, or any shape as long as paired
tensors agree), keeps its first tensor argument's dtype and device, and states in its docstring the
guarantee it gives:

- :func:`clip_below`: every step's reward is ≤ 0, so no episode's return exceeds 0.
- :func:`delta`: the rewards telescope, so an episode earns exactly its net progress.
- :func:`potential_shaping`: the shaping term leaves the optimal policy unchanged (Ng et al., 1999).
- :func:`gated`: a dense term pays nothing until an outcome reaches a threshold.
- :func:`squash`: the reward lies within ``[-scale, scale]`` and is ≈ the identity for small values.

Reward code imports them as ``from rewardsmith.rewards.transforms import squash`` (the static critic
allows this module besides torch, math and typing). Hyperparameters are plain Python numbers, checked
on the host, so that validation never waits for the device.
"""

from __future__ import annotations

import inspect
import math

import torch

__all__ = ["REWARD_TRANSFORMS", "clip_below", "delta", "describe_transforms", "gated", "potential_shaping", "squash"]

#: The transforms reward code may import from this module (the static critic refuses any other name).
REWARD_TRANSFORMS = ("clip_below", "delta", "potential_shaping", "gated", "squash")


def clip_below(reward: torch.Tensor, eta: float = 0.0) -> torch.Tensor:
    """Shift a reward down by ``eta`` and cut it at zero: ``min(reward - eta, 0)``.

    Guarantee: every step's reward is ≤ 0, so the (discounted or not) return of any episode is ≤ 0,
    however long the episode: a policy cannot farm unbounded positive reward. ``eta`` is the level a
    step must reach to stop being penalised.

    Args:
        reward: Floating tensor of step rewards.
        eta: Finite threshold subtracted before the cut.

    Returns:
        ``min(reward - eta, 0)``, same shape, dtype and device as ``reward``.

    Raises:
        ValueError: ``reward`` is not a floating tensor, or ``eta`` is not a finite number.
    """
    _check_floating("reward", reward)
    _check_finite_number("eta", eta)
    return torch.clamp(reward - eta, max=0.0)


def delta(value_now: torch.Tensor, value_before: torch.Tensor) -> torch.Tensor:
    """Reward the decrease of a progress value over one step: ``value_before - value_now``.

    Guarantee: the step rewards telescope. Over an episode with values ``v_0, ..., v_T`` the sum is
    ``v_0 - v_T``, bounded by the range of the value however long the episode is; going back and forth
    earns nothing beyond the net progress. Progress is a *decrease* (a distance or an error to drive
    to zero); for a quantity to raise, pass its negation. In reward code ``value_before`` is usually a
    ``previous_*`` state variable, e.g. ``delta(distance_to_goal, previous_distance_to_goal)``.

    Args:
        value_now: Floating tensor, the value after the step.
        value_before: The value before the step, same shape and device.

    Returns:
        ``value_before - value_now`` in ``value_now``'s dtype.

    Raises:
        ValueError: A tensor is not floating, or the two differ in shape or device.
    """
    _check_floating("value_now", value_now)
    _check_floating("value_before", value_before)
    _check_paired("value_now", value_now, "value_before", value_before)
    return value_before.to(value_now.dtype) - value_now


def potential_shaping(
    phi_next: torch.Tensor, phi_now: torch.Tensor, gamma: float, done: torch.Tensor | None = None
) -> torch.Tensor:
    """Potential-based shaping term ``gamma * phi_next - phi_now``, with ``phi_next`` taken as 0 when done.

    Guarantee (Ng, Harada and Russell, 1999): adding this term to any reward leaves the optimal policy
    unchanged, provided ``gamma`` is the discount the learner uses and the potential of a terminal
    state is 0; each action value moves by exactly ``-phi(s)``, the same for every action. A potential
    can therefore guide exploration towards good states without creating a new optimum to exploit.

    ``done`` must flag true terminations only (the next state is terminal), not time-limit
    truncations: a truncated episode would have continued, so its next state keeps its potential.

    Args:
        phi_next: Floating tensor, the potential of the state after the step.
        phi_now: The potential of the state before the step, same shape and device.
        gamma: The learner's discount factor, in (0, 1].
        done: Optional bool tensor, same shape: the step reached a terminal state.

    Returns:
        The shaping term, in ``phi_next``'s dtype.

    Raises:
        ValueError: ``gamma`` is outside (0, 1]; a tensor has the wrong dtype, shape or device.
    """
    _check_finite_number("gamma", gamma)
    if not 0.0 < gamma <= 1.0:
        raise ValueError(f"gamma must be in (0, 1], got {gamma}; pass the learner's discount factor.")
    _check_floating("phi_next", phi_next)
    _check_floating("phi_now", phi_now)
    _check_paired("phi_next", phi_next, "phi_now", phi_now)
    if done is not None:
        if not isinstance(done, torch.Tensor) or done.dtype != torch.bool:
            raise ValueError(f"done must be a bool tensor, got {_describe(done)}; e.g. pass reached_goal | collided.")
        _check_paired("phi_next", phi_next, "done", done)
        # A terminal state's potential is 0: otherwise the last step's shaping would not cancel and
        # the policy could gain by choosing where to end.
        phi_next = torch.where(done, torch.zeros_like(phi_next), phi_next)
    return gamma * phi_next - phi_now.to(phi_next.dtype)


def gated(dense: torch.Tensor, outcome: torch.Tensor, threshold: float) -> torch.Tensor:
    """Count a dense term only where an outcome has reached a threshold: ``where(outcome >= threshold, dense, 0)``.

    Guarantee: where ``outcome < threshold`` the result is exactly 0, so a policy that idles below the
    threshold collects nothing from the dense term, however long it idles; where the outcome reaches
    it, the dense term passes unchanged.

    Args:
        dense: Floating tensor, the dense term.
        outcome: Real or bool tensor, same shape and device: the outcome measure compared with ``threshold``.
        threshold: Finite number the outcome must reach (``>=``).

    Returns:
        The gated term, same dtype as ``dense``.

    Raises:
        ValueError: ``dense`` is not floating, ``outcome`` is complex or differs in shape or device, or
            ``threshold`` is not a finite number.
    """
    _check_floating("dense", dense)
    if not isinstance(outcome, torch.Tensor) or outcome.dtype.is_complex:
        raise ValueError(f"outcome must be a real or bool tensor, got {_describe(outcome)}.")
    _check_paired("dense", dense, "outcome", outcome)
    _check_finite_number("threshold", threshold)
    # where, not multiplication by a mask: a non-finite dense value below the threshold must not leak as NaN.
    return torch.where(outcome >= threshold, dense, torch.zeros_like(dense))


def squash(reward: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """Squash a reward smoothly into ``(-scale, scale)``: ``scale * tanh(reward / scale)``.

    Guarantee: the result lies in ``[-scale, scale]`` (strictly inside mathematically; tanh rounds to
    ±1 once ``|reward|`` exceeds about 9·scale in float32), it is non-decreasing in ``reward`` so the
    ranking of steps is kept, and it is ≈ the identity for ``|reward| << scale``: the error is at most
    ``|reward|³ / (3·scale²)``.

    Args:
        reward: Floating tensor of rewards.
        scale: Finite bound, > 0.

    Returns:
        The squashed reward, same shape, dtype and device as ``reward``.

    Raises:
        ValueError: ``reward`` is not floating, or ``scale`` is not a finite positive number.
    """
    _check_floating("reward", reward)
    _check_finite_number("scale", scale)
    if scale <= 0:
        raise ValueError(f"scale must be > 0, got {scale}; it is the bound of the squashed reward.")
    return scale * torch.tanh(reward / scale)


def describe_transforms() -> str:
    """A text for a designer: the import line, then each transform's signature and guarantee."""
    lines = ["Bounded transforms, importable with `from rewardsmith.rewards.transforms import <name>`:"]
    for name in REWARD_TRANSFORMS:
        function = globals()[name]
        doc = inspect.getdoc(function) or ""
        guarantee = next((part for part in doc.split("\n\n") if part.startswith("Guarantee")), "")
        lines.append(
            f"- {function.__name__}{inspect.signature(function, eval_str=True)}: {' '.join(guarantee.split())}"
        )
    return "\n".join(lines)


def _check_floating(name: str, tensor: object) -> None:
    if not isinstance(tensor, torch.Tensor) or not tensor.dtype.is_floating_point:
        raise ValueError(f"{name} must be a floating tensor, got {_describe(tensor)}; convert it with .float().")


def _check_paired(name: str, tensor: torch.Tensor, other_name: str, other: torch.Tensor) -> None:
    # Exact shapes, not broadcasting: [N] against [N, 1] would silently broadcast to [N, N].
    if tensor.shape != other.shape:
        raise ValueError(
            f"{other_name} has shape {list(other.shape)} but {name} has shape {list(tensor.shape)}; they must match."
        )
    if tensor.device != other.device:
        raise ValueError(f"{other_name} is on device '{other.device}' but {name} is on '{tensor.device}'.")


def _check_finite_number(name: str, value: object) -> None:
    # bool is an int, but True as a threshold or discount is a bug, not a number.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite Python number, got {value!r}.")


def _describe(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"a {str(value.dtype).removeprefix('torch.')} tensor"
    return f"a {type(value).__name__}"
