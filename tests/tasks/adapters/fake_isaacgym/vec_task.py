"""``Env`` and ``VecTask`` as IsaacGymEnvs writes them (``isaacgymenvs/tasks/base/vec_task.py``), less
the viewer, domain randomisation and camera capture."""

from __future__ import annotations

import abc
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch
from gymnasium import spaces

from tests.tasks.adapters.fake_isaacgym import gym as gymapi


class Env(abc.ABC):
    def __init__(
        self, config: dict[str, Any], rl_device: str, sim_device: str, graphics_device_id: int, headless: bool
    ):
        split_device = sim_device.split(":")
        self.device_type = split_device[0]
        self.device_id = int(split_device[1]) if len(split_device) > 1 else 0

        self.device = "cpu"
        if config["sim"]["use_gpu_pipeline"]:
            if self.device_type.lower() == "cuda" or self.device_type.lower() == "gpu":
                self.device = "cuda" + ":" + str(self.device_id)
            else:
                config["sim"]["use_gpu_pipeline"] = False

        self.rl_device = rl_device
        self.headless = headless
        self.graphics_device_id = graphics_device_id

        self.num_environments = config["env"]["numEnvs"]
        self.num_agents = config["env"].get("numAgents", 1)
        self.num_observations = config["env"].get("numObservations", 0)
        self.num_states = config["env"].get("numStates", 0)
        self.obs_space = spaces.Box(-np.inf, np.inf, (self.num_obs,), np.float32)
        self.num_actions = config["env"]["numActions"]
        self.control_freq_inv = config["env"].get("controlFrequencyInv", 1)
        self.act_space = spaces.Box(-1.0, 1.0, (self.num_actions,), np.float32)
        self.clip_obs = config["env"].get("clipObservations", np.inf)
        self.clip_actions = config["env"].get("clipActions", np.inf)
        self.control_steps: int = 0

    @abc.abstractmethod
    def allocate_buffers(self) -> None:
        """Create torch buffers for observations, rewards, actions dones and any additional data."""

    @property
    def num_envs(self) -> int:
        return self.num_environments

    @property
    def num_acts(self) -> int:
        return self.num_actions

    @property
    def num_obs(self) -> int:
        return self.num_observations


class VecTask(Env):
    def __init__(
        self,
        config,
        rl_device,
        sim_device,
        graphics_device_id,
        headless,
        virtual_screen_capture=False,
        force_render=False,
    ):
        super().__init__(config, rl_device, sim_device, graphics_device_id, headless)
        self.force_render = force_render
        self.sim_params = SimpleNamespace(
            dt=self.cfg["sim"]["dt"], use_gpu_pipeline=self.cfg["sim"]["use_gpu_pipeline"]
        )
        if self.cfg["physics_engine"] == "physx":
            self.physics_engine = gymapi.SIM_PHYSX
        elif self.cfg["physics_engine"] == "flex":
            self.physics_engine = gymapi.SIM_FLEX
        else:
            raise ValueError(f"Invalid physics engine backend: {self.cfg['physics_engine']}")
        self.dt: float = self.sim_params.dt
        self.gym = gymapi.acquire_gym()
        self.sim_initialized = False
        self.create_sim()
        self.gym.prepare_sim(self.sim)
        self.sim_initialized = True
        self.allocate_buffers()
        self.obs_dict: dict[str, torch.Tensor] = {}

    def allocate_buffers(self) -> None:
        self.obs_buf = torch.zeros((self.num_envs, self.num_obs), device=self.device, dtype=torch.float)
        self.states_buf = torch.zeros((self.num_envs, self.num_states), device=self.device, dtype=torch.float)
        self.rew_buf = torch.zeros(self.num_envs, device=self.device, dtype=torch.float)
        self.reset_buf = torch.ones(self.num_envs, device=self.device, dtype=torch.long)
        self.timeout_buf = torch.zeros(self.num_envs, device=self.device, dtype=torch.long)
        self.progress_buf = torch.zeros(self.num_envs, device=self.device, dtype=torch.long)
        self.randomize_buf = torch.zeros(self.num_envs, device=self.device, dtype=torch.long)
        self.extras: dict[str, Any] = {}

    def create_sim(self, compute_device: int, graphics_device: int, physics_engine: int, sim_params: Any) -> gymapi.Sim:
        return self.gym.create_sim(compute_device, graphics_device, physics_engine, sim_params)

    @abc.abstractmethod
    def pre_physics_step(self, actions: torch.Tensor) -> None:
        """Apply the actions to the environment (eg by setting torques, position targets)."""

    @abc.abstractmethod
    def post_physics_step(self) -> None:
        """Compute reward and observations, reset any environments that require it."""

    def step(self, actions: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor, dict[str, Any]]:
        action_tensor = torch.clamp(actions, -self.clip_actions, self.clip_actions)
        self.pre_physics_step(action_tensor)
        for _ in range(self.control_freq_inv):
            self.gym.simulate(self.sim)
        if self.device == "cpu":
            self.gym.fetch_results(self.sim, True)
        self.post_physics_step()
        self.control_steps += 1
        self.timeout_buf = (self.progress_buf >= self.max_episode_length - 1) & (self.reset_buf != 0)
        self.extras["time_outs"] = self.timeout_buf.to(self.rl_device)
        self.obs_dict["obs"] = torch.clamp(self.obs_buf, -self.clip_obs, self.clip_obs).to(self.rl_device)
        return self.obs_dict, self.rew_buf.to(self.rl_device), self.reset_buf.to(self.rl_device), self.extras

    def reset_idx(self, env_idx: torch.Tensor) -> None:
        """Reset environment with indces in env_idx."""

    def reset(self) -> dict[str, torch.Tensor]:
        self.obs_dict["obs"] = torch.clamp(self.obs_buf, -self.clip_obs, self.clip_obs).to(self.rl_device)
        return self.obs_dict

    def reset_done(self) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        done_env_ids = self.reset_buf.nonzero(as_tuple=False).flatten()
        if len(done_env_ids) > 0:
            self.reset_idx(done_env_ids)
        self.obs_dict["obs"] = torch.clamp(self.obs_buf, -self.clip_obs, self.clip_obs).to(self.rl_device)
        return self.obs_dict, done_env_ids
