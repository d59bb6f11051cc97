"""Isaac Lab's simulation context, scene and articulation, reduced to one torch cart-pole."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from tests.tasks.adapters.fake_physics import cartpole_step


@dataclass
class SimulationCfg:
    dt: float = 1 / 120
    render_interval: int = 2
    device: str = "cuda:0"


def new_simulation_context(cfg: SimulationCfg) -> SimulationContext:
    """What Isaac Lab's environments do at start: make the context, or refuse when one is live."""
    if SimulationContext.instance() is not None:
        raise RuntimeError("Simulation context already exists. Cannot create a new one.")
    return SimulationContext(cfg)


@dataclass
class InteractiveSceneCfg:
    num_envs: int = 4096
    env_spacing: float = 4.0


class SimulationContext:
    """A process-wide singleton, as Isaac Sim's is: environments refuse to start beside a live one."""

    _instance: SimulationContext | None = None

    def __init__(self, cfg: SimulationCfg) -> None:
        SimulationContext._instance = self
        self.cfg = cfg
        self.device = cfg.device
        self.is_rendering = False
        self.articulations: list[Articulation] = []

    @classmethod
    def instance(cls) -> SimulationContext | None:
        return cls._instance

    @classmethod
    def clear_instance(cls) -> None:
        cls._instance = None

    def step(self, render: bool = False) -> None:
        for articulation in self.articulations:
            articulation.simulate(self.cfg.dt)

    def forward(self) -> None:
        pass

    def render(self) -> None:
        pass


@dataclass
class ArticulationData:
    joint_pos: torch.Tensor
    joint_vel: torch.Tensor
    default_joint_pos: torch.Tensor
    default_joint_vel: torch.Tensor


class Articulation:
    """A cart-pole: joint 0 the cart's slider, joint 1 the pole's hinge."""

    joint_names = ("slider_to_cart", "cart_to_pole")

    def __init__(self, sim: SimulationContext, num_envs: int) -> None:
        zeros = torch.zeros((num_envs, 2), device=sim.device)
        self.data = ArticulationData(zeros.clone(), zeros.clone(), zeros.clone(), zeros.clone())
        self._effort = torch.zeros(num_envs, device=sim.device)
        self._ALL_INDICES = torch.arange(num_envs, device=sim.device)
        sim.articulations.append(self)

    def find_joints(self, name: str) -> tuple[list[int], list[str], list[int]]:
        index = self.joint_names.index(name)
        return [index], [name], [index]

    def set_joint_effort_target(self, target: torch.Tensor, joint_ids: Sequence[int]) -> None:
        self._effort = target[:, 0].clone()

    def write_joint_state_to_sim(
        self, position: torch.Tensor, velocity: torch.Tensor, joint_ids: None, env_ids: Sequence[int]
    ) -> None:
        self.data.joint_pos[env_ids] = position
        self.data.joint_vel[env_ids] = velocity

    def simulate(self, dt: float) -> None:
        cartpole_step(self.data.joint_pos, self.data.joint_vel, self._effort, dt)


@dataclass
class InteractiveScene:
    cfg: InteractiveSceneCfg
    env_origins: torch.Tensor = field(init=False)

    def __post_init__(self) -> None:
        self.env_origins = torch.zeros((self.cfg.num_envs, 3))

    @property
    def num_envs(self) -> int:
        return self.cfg.num_envs

    def write_data_to_sim(self) -> None:
        pass

    def update(self, dt: float) -> None:
        pass

    def reset(self, env_ids: Sequence[int]) -> None:
        pass


class EnvClock:
    """The sizes and time steps both of Isaac Lab's RL envs derive from ``cfg``, ``scene`` and ``sim``."""

    cfg: Any
    scene: InteractiveScene
    sim: SimulationContext

    @property
    def num_envs(self) -> int:
        return self.scene.num_envs

    @property
    def device(self) -> str:
        return self.sim.device

    @property
    def physics_dt(self) -> float:
        return self.cfg.sim.dt

    @property
    def step_dt(self) -> float:
        return self.cfg.sim.dt * self.cfg.decimation

    @property
    def max_episode_length_s(self) -> float:
        return self.cfg.episode_length_s

    @property
    def max_episode_length(self) -> int:
        return math.ceil(self.max_episode_length_s / self.step_dt)

    @staticmethod
    def seed(seed: int = -1) -> int:
        torch.manual_seed(seed)
        return seed
