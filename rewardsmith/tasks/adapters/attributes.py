"""Read a simulator's named attributes into state tensors: how reward parameters bind to a task by name.

Eureka's rewards take attributes of the environment (``self.dof_pos``, ``self.root_states``) as
parameters. Here a state variable names an attribute, or a dotted path to one
(``_robot.data.root_pos_w``), and is read after each transition, before any reset.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping

import torch

from rewardsmith.tasks.protocol import State
from rewardsmith.tasks.spec import StateVariable


def read_attributes(
    source: object,
    variables: tuple[StateVariable, ...],
    paths: Mapping[str, str],
    num_envs: int,
    dtype_of: Callable[[str], torch.dtype],
    device: torch.device,
) -> State:
    """Each variable's attribute of ``source``, as a tensor of its own.

    Args:
        source: The simulator object (a ``VecTask``, a ``DirectRLEnv``).
        variables: The state variables to read.
        paths: Attribute path per variable name, where it differs from the name.
        num_envs: Batch size; a plain number (``self.dt``) is broadcast to ``[num_envs]``.
        dtype_of: The run-time dtype of a variable.
        device: Where the tensors go.

    Returns:
        One tensor per variable. Tensors are copies: simulators reset their buffers in place, and reward
        code may keep a state.
    """
    state: State = {}
    for variable in variables:
        path = paths.get(variable.name, variable.name)
        try:
            value = operator.attrgetter(path)(source)
        except AttributeError:
            raise AttributeError(
                f"{type(source).__name__} has no attribute '{path}' (state variable '{variable.name}')"
            ) from None
        dtype = dtype_of(variable.name)
        if isinstance(value, torch.Tensor):
            state[variable.name] = value.detach().to(device=device, dtype=dtype, copy=True)
        elif isinstance(value, int | float | bool):
            state[variable.name] = torch.full((num_envs,), value, dtype=dtype, device=device)
        else:
            raise TypeError(
                f"{type(source).__name__}.{path} is a {type(value).__name__}, not a tensor or a number "
                f"(state variable '{variable.name}')"
            )
    return state
