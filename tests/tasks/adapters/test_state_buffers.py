"""Named state written environment by environment comes back as one tensor per variable, each its own copy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rewardsmith.tasks.adapters.state_buffers import StateBuffers
from rewardsmith.tasks.spec import StateVariable

VARIABLES = [
    StateVariable(name="height", unit="m", description="torso height"),
    StateVariable(name="joints", shape=(3,), unit="rad", description="joint angles"),
    StateVariable(name="healthy", dtype="bool", unit="-", description="in the healthy range"),
    StateVariable(name="contacts", dtype="int64", unit="-", description="feet on the ground"),
]
TORCH = {"float32": None, "bool": torch.bool, "int64": torch.int64}


def buffers(float_dtype: torch.dtype) -> StateBuffers:
    def dtype_of(name: str) -> torch.dtype:
        declared = next(v.dtype for v in VARIABLES if v.name == name)
        return TORCH[declared] or float_dtype

    return StateBuffers(VARIABLES, num_envs=2, dtype_of=dtype_of)


def values(env: int) -> dict[str, object]:
    return {
        "height": 1.25 + env,
        "joints": np.array([0.1, 0.2, 0.3]) * (env + 1),
        "healthy": env == 0,
        "contacts": np.int64(env + 2),
    }


@pytest.mark.parametrize("float_dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_each_variable_has_its_shape_dtype_and_each_environments_values(float_dtype: torch.dtype) -> None:
    state = buffers(float_dtype)
    for env in range(2):
        state.write(env, values(env))
    tensors = state.tensors(torch.device("cpu"))
    assert list(tensors) == [v.name for v in VARIABLES]
    assert tensors["height"].dtype == float_dtype and tensors["height"].shape == (2,)
    assert tensors["joints"].shape == (2, 3) and tensors["joints"].is_contiguous()
    torch.testing.assert_close(tensors["height"], torch.tensor([1.25, 2.25], dtype=float_dtype))
    torch.testing.assert_close(
        tensors["joints"], torch.tensor([[0.1, 0.2, 0.3], [0.2, 0.4, 0.6]], dtype=float_dtype), atol=1e-2, rtol=1e-2
    )
    assert tensors["healthy"].tolist() == [True, False] and tensors["contacts"].tolist() == [2, 3]


def test_tensors_are_copies_that_later_steps_and_other_variables_never_change() -> None:
    state = buffers(torch.float32)
    for env in range(2):
        state.write(env, values(env))
    first = state.tensors(torch.device("cpu"))
    state.write(0, values(1))
    assert first["height"].tolist() == [1.25, 2.25]
    # Reward code may work in place on what it was given; its neighbours in the batch stay as they were.
    first["height"].mul_(0)
    assert first["joints"][0].tolist() == pytest.approx([0.1, 0.2, 0.3])
    assert state.tensors(torch.device("cpu"))["height"].tolist() == [2.25, 2.25]


def test_a_missing_name_is_a_key_error_for_the_adapter_to_name() -> None:
    partial = values(0)
    del partial["joints"]
    with pytest.raises(KeyError):
        buffers(torch.float32).write(0, partial)
