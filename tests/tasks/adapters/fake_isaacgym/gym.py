"""The few ``gymapi.Gym`` calls a cart-pole ``VecTask`` makes, over a torch cart-pole.

Isaac Gym keeps each DOF's (position, velocity) in one ``[num_envs * num_dof, 2]`` tensor that tasks view
as ``dof_pos`` and ``dof_vel``; ``set_dof_state_tensor_indexed`` writes it and ``simulate`` advances it.
Here the tensor is the simulator's state itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from tests.tasks.adapters.fake_physics import cartpole_step

SIM_PHYSX = 0
SIM_FLEX = 1


@dataclass
class Sim:
    """A simulation: its environments, each a cart-pole, and their DOF state once acquired."""

    dt: float
    device: str
    num_envs: int = 0
    dof_state: torch.Tensor = field(init=False)
    forces: torch.Tensor = field(init=False)


class Gym:
    """``gymapi.acquire_gym()``'s object, for cart-poles (two DOFs: the cart's slider, the pole's hinge).

    Method names, parameter counts and return types are gymapi's (``isaacgym-stubs``; a test checks).
    """

    def create_sim(self, compute_device: int, graphics_device: int, type: int, params: Any) -> Sim:
        device = f"cuda:{compute_device}" if params.use_gpu_pipeline else "cpu"
        return Sim(dt=params.dt, device=device)

    def create_env(self, sim: Sim, lower: Any, upper: Any, per_row: int) -> int:
        sim.num_envs += 1
        return sim.num_envs - 1

    def prepare_sim(self, sim: Sim) -> bool:
        sim.dof_state = torch.zeros((sim.num_envs * 2, 2), device=sim.device)
        sim.forces = torch.zeros(sim.num_envs * 2, device=sim.device)
        return True

    def acquire_dof_state_tensor(self, sim: Sim) -> torch.Tensor:
        return sim.dof_state

    def refresh_dof_state_tensor(self, sim: Sim) -> bool:
        return True

    def set_dof_actuation_force_tensor(self, sim: Sim, forces: torch.Tensor) -> bool:
        sim.forces = forces.clone()
        return True

    def set_dof_state_tensor_indexed(self, sim: Sim, state: torch.Tensor, indices: torch.Tensor, count: int) -> bool:
        sim.dof_state.copy_(state)
        return True

    def fetch_results(self, sim: Sim, wait: bool) -> None:
        pass

    def simulate(self, sim: Sim) -> None:
        view = sim.dof_state.view(sim.num_envs, 2, 2)
        position, velocity = view[..., 0], view[..., 1]
        cartpole_step(position, velocity, sim.forces.view(sim.num_envs, 2)[:, 0], sim.dt)


def acquire_gym() -> Gym:
    return Gym()


def wrap_tensor(tensor: torch.Tensor) -> torch.Tensor:
    """``gymtorch.wrap_tensor``: the simulator's buffer as a torch tensor (here it is one already)."""
    return tensor


def unwrap_tensor(tensor: torch.Tensor) -> torch.Tensor:
    return tensor
