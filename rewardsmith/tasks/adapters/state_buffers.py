"""Where an adapter that steps environments one by one gathers the named state of a batch.

Each environment's values are written into a row of a numpy buffer; after the batch has stepped,
every variable becomes a tensor. Variables of one torch dtype share one flat buffer, so making the
step's tensors is one copy and one conversion per dtype, not one per variable: on small batches of
cheap simulator steps that per-variable cost was a large share of the step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import prod

import numpy as np
import torch

from rewardsmith.tasks.spec import StateVariable

# Simulators compute in double precision; values are cast to the task's dtype once, as tensors.
_HOST_DTYPES: dict[torch.dtype, type[np.generic]] = {
    torch.float16: np.float64,
    torch.bfloat16: np.float64,
    torch.float32: np.float64,
    torch.float64: np.float64,
    torch.int64: np.int64,
    torch.bool: np.bool_,
}


class _Group:
    """The variables of one torch dtype, laid out one after another in one flat buffer."""

    def __init__(self, dtype: torch.dtype, variables: Sequence[StateVariable], num_envs: int) -> None:
        self.dtype = dtype
        self.layout: list[tuple[str, int, int, tuple[int, ...]]] = []
        offset = 0
        for variable in variables:
            shape = (num_envs, *variable.shape)
            self.layout.append((variable.name, offset, offset + prod(shape), shape))
            offset += prod(shape)
        self.flat = np.zeros(offset, dtype=_HOST_DTYPES[dtype])
        self.copy_dtype = _host_copy_dtype(dtype)
        self.numpy_has_dtype = dtype in (torch.float32, torch.float64, torch.int64, torch.bool)
        self.views = {name: self.flat[start:stop].reshape(shape) for name, start, stop, shape in self.layout}

    def tensors(self, device: torch.device) -> dict[str, torch.Tensor]:
        # A copy: the buffer is rewritten by the next step, and reward code may keep the state. Each
        # variable is a contiguous view of the copy, so in-place changes to one never reach another.
        copy = self.flat.astype(self.copy_dtype)
        if device.type == "cpu" and self.numpy_has_dtype:
            # Sliced on the numpy side: a numpy view costs a fraction of a torch one.
            return {name: torch.from_numpy(copy[start:stop].reshape(shape)) for name, start, stop, shape in self.layout}
        flat = torch.from_numpy(copy).to(device=device, dtype=self.dtype)  # one transfer for the group
        return {name: flat[start:stop].view(shape) for name, start, stop, shape in self.layout}


def _host_copy_dtype(dtype: torch.dtype) -> type[np.generic]:
    # numpy has no bfloat16; such a batch is converted by torch after a float32 copy.
    return np.float32 if dtype in (torch.float16, torch.bfloat16, torch.float32) else _HOST_DTYPES[dtype]


class StateBuffers:
    """Rows of named state written environment by environment, read as one tensor per variable."""

    def __init__(
        self, variables: Sequence[StateVariable], num_envs: int, dtype_of: Callable[[str], torch.dtype]
    ) -> None:
        by_dtype: dict[torch.dtype, list[StateVariable]] = {}
        for variable in variables:
            by_dtype.setdefault(dtype_of(variable.name), []).append(variable)
        self._groups = [_Group(dtype, group, num_envs) for dtype, group in by_dtype.items()]
        self._rows = {name: view for group in self._groups for name, view in group.views.items()}
        self.names = [v.name for v in variables]

    def write(self, index: int, values: dict[str, object]) -> None:
        """Store one environment's values; a missing name raises KeyError."""
        for name, rows in self._rows.items():
            rows[index] = values[name]

    def tensors(self, device: torch.device) -> dict[str, torch.Tensor]:
        """Every variable as a tensor of the step's values, each a copy."""
        out: dict[str, torch.Tensor] = {}
        for group in self._groups:
            out.update(group.tensors(device))
        return {name: out[name] for name in self.names}
