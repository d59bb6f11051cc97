"""The few ``gymapi.Gym`` calls a cart-pole ``VecTask`` makes, over a torch cart-pole.

Isaac Gym keeps each DOF's (position, velocity) in one ``[num_envs * num_dof, 2]`` tensor that tasks view
as ``dof_pos`` and ``dof_vel``; ``set_dof_state_tensor_indexed`` writes it and ``simulate`` advances it.
Here the tensor is the simulator's state itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from tests.tasks.adapters.fake_physics import cartpole_step

SIM_PHYSX = 0
SIM_FLEX = 1


@dataclass
class Sim:
    num_envs: int
    dt: float
    device: str
    dof_state: torch.Tensor = field(init=False)
    forces: torch.Tensor = field(init=False)

    def __post_init__(self) -> None:
        self.dof_state = torch.zeros((self.num_envs * 2, 2), device=self.device)
        self.forces = torch.zeros(self.num_envs * 2, device=self.device)


class Gym:
    """``gymapi.acquire_gym()``'s object, for cart-poles (two DOFs: the cart's slider, the pole's hinge)."""

    def create_sim(self, num_envs: int, dt: float, device: str) -> Sim:
        return Sim(num_envs=num_envs, dt=dt, device=device)

    def prepare_sim(self, sim: Sim) -> None:
        pass

    def acquire_dof_state_tensor(self, sim: Sim) -> torch.Tensor:
        return sim.dof_state

    def refresh_dof_state_tensor(self, sim: Sim) -> None:
        pass

    def set_dof_actuation_force_tensor(self, sim: Sim, forces: torch.Tensor) -> None:
        sim.forces = forces.clone()

    def set_dof_state_tensor_indexed(self, sim: Sim, state: torch.Tensor, indices: torch.Tensor, count: int) -> None:
        sim.dof_state.copy_(state)

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
