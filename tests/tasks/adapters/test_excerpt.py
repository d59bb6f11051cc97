"""Eureka's excerpt of a task class: header, "omitted", observation methods and their helpers, nothing else."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rewardsmith.tasks.adapters.excerpt import class_excerpt

# Shaped like IsaacGymEnvs' ant.py: an observation method calling a jit helper, a reward beside them.
ANT_LIKE = '''
import torch


class Base:
    pass


class Ant(Base):
    """An ant that runs to a target."""

    def __init__(self):
        self.potentials = torch.zeros(2)

    def compute_reward(self, actions):
        self.rew_buf[:] = compute_ant_reward(self.potentials)

    def compute_observations(self):
        """Fill obs_buf."""
        # refresh the simulator's tensors first
        self.gym.refresh_dof_state_tensor(self.sim)

        self.obs_buf[:] = compute_ant_observations(self.potentials, self.dt)


@torch.jit.script
def compute_ant_reward(potentials):
    # type: (Tensor) -> Tensor
    return potentials * 2.0


@torch.jit.script
def compute_ant_observations(potentials, dt):
    # type: (Tensor, float) -> Tensor

    # the heading, as a unit vector
    return potentials / dt
'''

EXPECTED = '''class Ant(Base):
    """Rest of the environment definition omitted."""
    def compute_observations(self):
        self.gym.refresh_dof_state_tensor(self.sim)

        self.obs_buf[:] = compute_ant_observations(self.potentials, self.dt)

def compute_ant_observations(potentials, dt):
    # type: (Tensor, float) -> Tensor

    return potentials / dt
'''


@pytest.fixture
def ant_class(tmp_path: Path) -> Iterator[type]:
    path = tmp_path / "ant_like.py"
    path.write_text(ANT_LIKE)
    spec = importlib.util.spec_from_file_location("ant_like", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ant_like"] = module
    spec.loader.exec_module(module)
    yield module.Ant
    del sys.modules["ant_like"]


def test_excerpt_keeps_observation_code_and_type_comments_only(ant_class: type) -> None:
    excerpt = class_excerpt(ant_class, ("compute_observations", "compute_full_state"), ("compute_ant_observations",))
    assert excerpt == EXPECTED
    assert "compute_ant_reward" not in excerpt and "rew_buf" not in excerpt


def test_a_class_without_its_observation_method_is_refused(ant_class: type) -> None:
    with pytest.raises(ValueError, match="defines none of _get_observations"):
        class_excerpt(ant_class, ("_get_observations",))
