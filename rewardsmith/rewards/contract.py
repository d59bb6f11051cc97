"""The reward contract's checks: what a reward function takes, and what it returns (cheap enough to
run every few training steps).

The contract: ``compute_reward``'s parameters name state variables of the task; it returns
``(total, components)`` where ``total`` is a floating tensor ``[num_envs]`` and ``components`` maps
names to floating tensors ``[num_envs]``, all finite and on the device of the state. It must not
modify its inputs in place, since they are the environment's own state tensors.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import torch

from rewardsmith.rewards.errors import (
    MutatesStateError,
    NonFiniteError,
    WrongDeviceError,
    WrongDtypeError,
    WrongReturnTypeError,
    WrongShapeError,
)
from rewardsmith.tasks.spec import TaskSpec


def unknown_parameter(parameters: Iterable[str], spec: TaskSpec) -> str | None:
    """Why the first of ``parameters`` that names no state variable of ``spec`` cannot be bound, for the
    designer to act on; None when every one binds. The one place this part of the contract is checked:
    the critic, the loader and verification all ask here."""
    valid = spec.state_variable_names
    for name in parameters:
        if name not in valid:
            close = difflib.get_close_matches(name, valid, n=1)
            suggestion = f" Did you mean '{close[0]}'?" if close else ""
            return (
                f"compute_reward parameter '{name}' is not a state variable of task '{spec.name}'.{suggestion}\n"
                f"Parameters bind to state variables by exact name; valid names: {', '.join(valid)}. "
                "Compute anything else inside the function, and keep constants as local variables."
            )
    return None


_RETURN_HINT = 'Return a tuple (total, {"component_name": tensor, ...}) of torch tensors.'
_MAX_LISTED_VALUES = 6


@dataclass(frozen=True, slots=True)
class RewardOutput:
    """A reward function's output that passed :func:`check_output`."""

    total: torch.Tensor
    """Floating ``[num_envs]`` total reward."""
    components: dict[str, torch.Tensor]
    """Named floating ``[num_envs]`` terms, as the function returned them."""


def check_output(
    output: object,
    num_envs: int,
    device: str | torch.device,
    inputs: Mapping[str, torch.Tensor] | None = None,
) -> RewardOutput:
    """Check a reward function's return value against the contract.

    Checks run in the order type, device, shape, dtype, finiteness, so that each message is about
    the first thing to fix. Finiteness costs one device synchronisation for all tensors together.

    Args:
        output: What the reward function returned.
        num_envs: The number of environments in the state it was called on.
        device: The device of that state.
        inputs: The tensors the function was called with, by parameter name. Only used to quote
            example input values in a non-finite error.

    Returns:
        The output, typed.

    Raises:
        WrongReturnTypeError: Not a ``(Tensor, dict[str, Tensor])`` tuple.
        WrongDeviceError: A tensor is not on ``device``.
        WrongShapeError: A tensor is not ``[num_envs]``.
        WrongDtypeError: A tensor is not floating point.
        NonFiniteError: A tensor has NaN or infinite entries.
    """
    total, components = _check_type(output)
    tensors = {"the total": total, **{f"component '{name}'": value for name, value in components.items()}}
    expected_device = torch.device(device)
    for label, tensor in tensors.items():
        if not _same_device(tensor.device, expected_device):
            raise WrongDeviceError(
                f"{_capital(label)} is on device '{tensor.device}', but the state is on '{expected_device}'. "
                "Create new tensors on the inputs' device, e.g. torch.zeros_like(x) or "
                "torch.tensor(v, device=x.device); never call .to()/.cpu()/.cuda()."
            )
    for label, tensor in tensors.items():
        if tuple(tensor.shape) != (num_envs,):
            raise WrongShapeError(
                f"{_capital(label)} has shape {list(tensor.shape)}, expected [{num_envs}] "
                f"(one value per environment). {_shape_hint(tuple(tensor.shape), num_envs)}"
            )
    for label, tensor in tensors.items():
        if not tensor.dtype.is_floating_point:
            raise WrongDtypeError(
                f"{_capital(label)} has dtype {tensor.dtype}, expected a floating dtype such as "
                "torch.float32. Convert it with .float(), or build it from float constants (1.0, not 1)."
            )
    finite = torch.stack([torch.isfinite(tensor).all() for tensor in tensors.values()])
    if not bool(finite.all()):
        # Components first: a bad total is usually a consequence of a bad component.
        ordered = [*list(tensors)[1:], "the total"]
        label = next(label for label in ordered if not bool(torch.isfinite(tensors[label]).all()))
        raise NonFiniteError(_non_finite_message(label, tensors[label], inputs))
    return RewardOutput(total=total, components=components)


def input_versions(inputs: Mapping[str, torch.Tensor]) -> dict[str, int]:
    """Snapshot the in-place version counters of the tensors a reward function is called with."""
    return {name: tensor._version for name, tensor in inputs.items()}


def check_unchanged(inputs: Mapping[str, torch.Tensor], versions: Mapping[str, int]) -> None:
    """Raise if a reward function modified one of its inputs in place.

    Torch bumps a tensor's version counter on every in-place operation, including indexed
    assignment, so comparing counters is exact for in-place writes and costs no device work.

    Args:
        inputs: The tensors the function was called with, by parameter name.
        versions: :func:`input_versions` of ``inputs``, taken before the call.

    Raises:
        MutatesStateError: Some input's version counter moved.
    """
    changed = [name for name, tensor in inputs.items() if tensor._version != versions[name]]
    if changed:
        names = ", ".join(f"'{name}'" for name in changed)
        raise MutatesStateError(
            f"compute_reward modified the state variable(s) {names} in place; they are the environment's "
            "own state, so this changes the simulation. Use out-of-place operations (x = x.clamp(...), not "
            "x.clamp_(...) or x[...] = v) or work on a copy (x.clone())."
        )


def _check_type(output: object) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    if isinstance(output, torch.Tensor):
        raise WrongReturnTypeError(f"compute_reward returned a bare tensor, without components. {_RETURN_HINT}")
    if not isinstance(output, tuple) or len(output) != 2:
        what = f"a tuple of {len(output)} items" if isinstance(output, tuple) else _a(output)
        raise WrongReturnTypeError(f"compute_reward returned {what}. {_RETURN_HINT}")
    total, components = output
    if not isinstance(total, torch.Tensor):
        raise WrongReturnTypeError(
            f"The first item returned (the total) is {_a(total)}, not a torch.Tensor. {_RETURN_HINT}"
        )
    if not isinstance(components, dict):
        raise WrongReturnTypeError(
            f"The second item returned (the components) is {_a(components)}, not a dict "
            f"mapping names to tensors. {_RETURN_HINT}"
        )
    for name, value in components.items():
        if not isinstance(name, str):
            raise WrongReturnTypeError(f"Component key {name!r} is {_a(name)}; keys must be str names.")
        if not isinstance(value, torch.Tensor):
            raise WrongReturnTypeError(f"Component '{name}' is {_a(value)}, not a torch.Tensor of shape [num_envs].")
    return total, components


def _same_device(actual: torch.device, expected: torch.device) -> bool:
    # "cuda" and "cuda:0" name the same device when one of them leaves the index open.
    if actual.type != expected.type:
        return False
    return actual.index is None or expected.index is None or actual.index == expected.index


def _shape_hint(shape: tuple[int, ...], num_envs: int) -> str:
    if shape == ():
        return "It is a scalar: do not reduce over environments (no .sum()/.mean() over all envs)."
    if shape[0] == num_envs and all(size == 1 for size in shape[1:]):
        return "Drop the trailing dimension, e.g. with .squeeze(-1)."
    if shape[0] == num_envs:
        return "Reduce the trailing dimensions per environment, e.g. .sum(dim=-1)."
    return "Keep the first dimension of the inputs (num_envs) and no other."


def _non_finite_message(label: str, tensor: torch.Tensor, inputs: Mapping[str, torch.Tensor] | None) -> str:
    nan = torch.isnan(tensor)
    inf = torch.isinf(tensor)
    bad = nan | inf
    count = int(bad.sum())
    parts = []
    if int(nan.sum()):
        parts.append(f"NaN in {int(nan.sum())}")
    if int(inf.sum()):
        parts.append(f"inf in {int(inf.sum())}")
    message = f"{_capital(label)} is non-finite for {count} of {tensor.shape[0]} envs ({', '.join(parts)})."
    if inputs:
        env = int(bad.nonzero()[0, 0])
        values = ", ".join(f"{name}={_format_value(value[env])}" for name, value in inputs.items())
        message += f"\nExample inputs that produce it: {values}."
    return message + (
        "\nGuard the operations that blow up: clamp arguments of log/sqrt/pow, add an epsilon to "
        "divisors, and keep exp arguments bounded."
    )


def _format_value(value: torch.Tensor) -> str:
    if value.dim() == 0:
        return f"{value.item():.4g}" if value.dtype.is_floating_point else str(value.item())
    flat = value.flatten().tolist()
    shown = ", ".join(f"{item:.4g}" if isinstance(item, float) else str(item) for item in flat[:_MAX_LISTED_VALUES])
    return f"[{shown}{', …' if len(flat) > _MAX_LISTED_VALUES else ''}]"


def _a(value: object) -> str:
    name = type(value).__name__
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def _capital(label: str) -> str:
    return label[0].upper() + label[1:]
