"""The allowed API is data that holds for the torch in the lock: every name exists, and none leads to a module
the critic refuses."""

from __future__ import annotations

import importlib
import math
import types
import typing
from pathlib import Path

import torch

from rewardsmith.agents.critic.allowed_api import MODULE_NAMES, TORCH_MODULES, VALUE_ATTRIBUTES

# The lock leaves torch out (an unsafe package there, to keep CUDA wheels away); the Makefile pins it.
MAKEFILE = Path(__file__).parents[3] / "Makefile"


def test_the_installed_torch_is_the_pinned_one() -> None:
    pins = [line.split("torch==", 1)[1].strip() for line in MAKEFILE.read_text().splitlines() if "TORCH := " in line]
    assert pins, "the Makefile pins no torch"
    assert torch.__version__.split("+")[0] == pins[0]


def test_every_allowed_name_exists_and_is_not_a_module() -> None:
    missing, modules = [], []
    for module_name, names in MODULE_NAMES.items():
        module = importlib.import_module(module_name)
        for name in names:
            if not hasattr(module, name):
                missing.append(f"{module_name}.{name}")
            elif isinstance(getattr(module, name), types.ModuleType):
                modules.append(f"{module_name}.{name}")
    assert not missing, f"not in torch {torch.__version__}: {missing}"
    assert not modules, f"modules must be listed in TORCH_MODULES, not as names: {modules}"
    assert {math.__name__, typing.__name__} <= set(MODULE_NAMES)


def test_every_allowed_module_is_one() -> None:
    for module_name in TORCH_MODULES:
        assert isinstance(importlib.import_module(module_name), types.ModuleType)


def test_every_value_attribute_is_a_tensor_or_dict_attribute() -> None:
    unknown = [name for name in VALUE_ATTRIBUTES if not hasattr(torch.Tensor, name) and not hasattr(dict, name)]
    assert not unknown, f"neither a tensor's nor a dict's in torch {torch.__version__}: {unknown}"


def test_no_value_attribute_is_private() -> None:
    assert not [name for name in VALUE_ATTRIBUTES if name.startswith("_")]
