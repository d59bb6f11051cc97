"""``DirectRLEnv`` and its config as Isaac Lab writes them, less the viewer, events and noise models."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from tests.tasks.adapters.fake_isaaclab.sim import (
    EnvClock,
    InteractiveScene,
    InteractiveSceneCfg,
    SimulationCfg,
    new_simulation_context,
)


@dataclass
class DirectRLEnvCfg:
    sim: SimulationCfg = field(default_factory=SimulationCfg)
    scene: InteractiveSceneCfg = field(default_factory=InteractiveSceneCfg)
    seed: int | None = None
    decimation: int = 2
    episode_length_s: float = 5.0
    action_space: int = 1
    observation_space: int = 4
    state_space: int = 0

    def validate(self) -> None:
        pass


class DirectRLEnv(EnvClock):
    def __init__(self, cfg: DirectRLEnvCfg, render_mode: str | None = None, **kwargs: Any) -> None:
        cfg.validate()
        self.cfg = cfg
        self.render_mode = render_mode
        if self.cfg.seed is not None:
            self.cfg.seed = self.seed(self.cfg.seed)
        self.sim = new_simulation_context(self.cfg.sim)
        self.scene = InteractiveScene(self.cfg.scene)
        self._setup_scene()
        self.extras: dict[str, Any] = {}
        self._sim_step_counter = 0
        self.common_step_counter = 0
        self.episode_length_buf = torch.zeros(self.num_envs, device=self.device, dtype=torch.long)
        self.reset_terminated = torch.zeros(self.num_envs, device=self.device, dtype=torch.bool)
        self.reset_time_outs = torch.zeros_like(self.reset_terminated)
        self.reset_buf = torch.zeros(self.num_envs, dtype=torch.bool, device=self.sim.device)
        self.actions = torch.zeros((self.num_envs, self.cfg.action_space), device=self.device)

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[dict, dict]:
        if seed is not None:
            self.seed(seed)
        indices = torch.arange(self.num_envs, dtype=torch.int32, device=self.device)
        self._reset_idx(indices)
        self.scene.write_data_to_sim()
        self.sim.forward()
        return self._get_observations(), self.extras

    def step(self, action: torch.Tensor) -> tuple[dict, torch.Tensor, torch.Tensor, torch.Tensor, dict]:
        action = action.to(self.device)
        self._pre_physics_step(action)
        for _ in range(self.cfg.decimation):
            self._sim_step_counter += 1
            self._apply_action()
            self.scene.write_data_to_sim()
            self.sim.step(render=False)
            self.scene.update(dt=self.physics_dt)

        self.episode_length_buf += 1
        self.common_step_counter += 1

        self.reset_terminated[:], self.reset_time_outs[:] = self._get_dones()
        self.reset_buf = self.reset_terminated | self.reset_time_outs
        self.reward_buf = self._get_rewards()

        reset_env_ids = self.reset_buf.nonzero(as_tuple=False).squeeze(-1).int()
        if len(reset_env_ids) > 0:
            self._reset_idx(reset_env_ids)

        self.obs_buf = self._get_observations()
        return self.obs_buf, self.reward_buf, self.reset_terminated, self.reset_time_outs, self.extras

    def _reset_idx(self, env_ids: Sequence[int]) -> None:
        self.scene.reset(env_ids)
        self.episode_length_buf[env_ids] = 0

    def _setup_scene(self) -> None:
        pass

    @abstractmethod
    def _pre_physics_step(self, actions: torch.Tensor) -> None: ...

    @abstractmethod
    def _apply_action(self) -> None: ...

    @abstractmethod
    def _get_observations(self) -> dict: ...

    @abstractmethod
    def _get_rewards(self) -> torch.Tensor: ...

    @abstractmethod
    def _get_dones(self) -> tuple[torch.Tensor, torch.Tensor]: ...
