"""``ManagerBasedRLEnv`` as Isaac Lab writes it: the step's order (terminations, rewards, resets, then
observations) and the managers' resets; commands, events, curricula and recorders are left out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from tests.tasks.adapters.fake_isaaclab.managers import ObservationManager, RewardManager, TerminationManager
from tests.tasks.adapters.fake_isaaclab.sim import Articulation, EnvClock, InteractiveScene, new_simulation_context


class ManagerBasedRLEnv(EnvClock):
    def __init__(self, cfg: Any, render_mode: str | None = None, **kwargs: Any) -> None:
        self.cfg = cfg
        self.render_mode = render_mode
        self.sim = new_simulation_context(cfg.sim)
        self.scene = InteractiveScene(cfg.scene)
        # Isaac Lab builds the scene's assets from cfg.scene; the fake has one cart-pole, as scene["robot"].
        self.robot = Articulation(self.sim, self.num_envs)
        self.extras: dict[str, Any] = {}
        self._sim_step_counter = 0
        self.common_step_counter = 0
        self.episode_length_buf = torch.zeros(self.num_envs, device=self.device, dtype=torch.long)
        self.load_managers()

    def load_managers(self) -> None:
        self.observation_manager = ObservationManager(self.cfg.observations, self)
        self.termination_manager = TerminationManager(self.cfg.terminations, self)
        self.reward_manager = RewardManager(self.cfg.rewards, self)

    def reset(self, seed: int | None = None, env_ids: Sequence[int] | None = None, options: Any = None) -> tuple:
        if env_ids is None:
            env_ids = torch.arange(self.num_envs, dtype=torch.int64, device=self.device)
        if seed is not None:
            self.seed(seed)
        self._reset_idx(env_ids)
        self.scene.write_data_to_sim()
        self.sim.forward()
        self.obs_buf = self.observation_manager.compute(update_history=True)
        return self.obs_buf, self.extras

    def step(self, action: torch.Tensor) -> tuple:
        self.actions = action.to(self.device)
        for _ in range(self.cfg.decimation):
            self._sim_step_counter += 1
            self.robot.set_joint_effort_target(self.cfg.action_scale * self.actions, joint_ids=[0])
            self.scene.write_data_to_sim()
            self.sim.step(render=False)
            self.scene.update(dt=self.physics_dt)

        self.episode_length_buf += 1
        self.common_step_counter += 1
        self.reset_buf = self.termination_manager.compute()
        self.reset_terminated = self.termination_manager.terminated
        self.reset_time_outs = self.termination_manager.time_outs
        self.reward_buf = self.reward_manager.compute(dt=self.step_dt)

        reset_env_ids = self.reset_buf.nonzero(as_tuple=False).squeeze(-1)
        if len(reset_env_ids) > 0:
            self._reset_idx(reset_env_ids)
            self.scene.write_data_to_sim()

        self.obs_buf = self.observation_manager.compute(update_history=True)
        return self.obs_buf, self.reward_buf, self.reset_terminated, self.reset_time_outs, self.extras

    def _reset_idx(self, env_ids: Sequence[int]) -> None:
        self.scene.reset(env_ids)
        # Isaac Lab's reset events (mdp.reset_joints_by_offset) draw the new joint state.
        position = torch.zeros((len(env_ids), 2), device=self.device)
        position[:, 1] = 0.5 * math.pi * (torch.rand(len(env_ids), device=self.device) - 0.5)
        self.robot.write_joint_state_to_sim(position, torch.zeros_like(position), None, env_ids)
        self.extras["log"] = {}
        for manager in (self.observation_manager, self.reward_manager, self.termination_manager):
            self.extras["log"].update(manager.reset(env_ids))
        self.episode_length_buf[env_ids] = 0
