"""``BaseEnv`` as ManiSkill3 writes it, less SAPIEN: reset with partial resets and seeds, step, evaluate."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch


class BaseEnv(gym.Env):
    SUPPORTED_OBS_MODES = ("state", "state_dict")

    def __init__(self, num_envs: int = 1, obs_mode: str = "state", sim_backend: str = "auto", **kwargs: Any) -> None:
        if obs_mode not in self.SUPPORTED_OBS_MODES:
            raise NotImplementedError(f"Unsupported obs mode: {obs_mode}.")
        self.num_envs = num_envs
        self.obs_mode = obs_mode
        self.device = torch.device("cuda" if sim_backend in ("gpu", "physx_cuda") else "cpu")
        self._elapsed_steps = torch.zeros(num_envs, device=self.device, dtype=torch.int32)
        self._main_seed: int | None = None
        self._load_scene({})
        self.single_action_space = gym.spaces.Box(-1.0, 1.0, (self.action_size,), np.float32)

    action_size = 0

    @property
    def elapsed_steps(self) -> torch.Tensor:
        return self._elapsed_steps

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        if options is None:
            options = dict()
        self._set_main_rng(seed)
        self._set_episode_rng(seed)
        env_idx = options["env_idx"] if "env_idx" in options else torch.arange(0, self.num_envs, device=self.device)
        self._elapsed_steps[env_idx] = 0
        with torch.random.fork_rng():
            torch.manual_seed(self._episode_seed)
            self._initialize_episode(env_idx, options)
        obs = self.get_obs()
        return obs, dict(reconfigure=False)

    def _set_main_rng(self, seed: int | None) -> None:
        if seed is None:
            if self._main_seed is not None:
                return
            seed = np.random.RandomState().randint(2**32)
        self._main_seed = seed
        self._main_rng = np.random.RandomState(self._main_seed)

    def _set_episode_rng(self, seed: int | None) -> None:
        if seed is None:
            self._episode_seed = self._main_rng.randint(2**32)
        else:
            self._episode_seed = seed

    def step(self, action: torch.Tensor) -> tuple[Any, torch.Tensor, torch.Tensor, torch.Tensor, dict]:
        action = self._step_action(action)
        self._elapsed_steps += 1
        info = self.get_info()
        obs = self.get_obs(info)
        reward = self.get_reward(obs=obs, action=action, info=info)
        if "success" in info:
            terminated = torch.logical_or(info["success"], info["fail"]) if "fail" in info else info["success"].clone()
        else:
            if "fail" in info:
                terminated = info["fail"].clone()
            else:
                terminated = torch.zeros(self.num_envs, dtype=bool, device=self.device)
        return obs, reward, terminated, torch.zeros(self.num_envs, dtype=bool, device=self.device), info

    def get_info(self) -> dict:
        info = dict(elapsed_steps=self._elapsed_steps.clone())
        info.update(self.evaluate())
        return info

    def get_obs(self, info: dict | None = None) -> Any:
        if info is None:
            info = self.get_info()
        state = {"agent": self._get_obs_agent(), "extra": self._get_obs_extra(info)}
        if self.obs_mode == "state_dict":
            return state
        parts = [value.reshape(self.num_envs, -1).float() for group in state.values() for value in group.values()]
        return torch.cat(parts, dim=-1)

    def get_reward(self, obs: Any, action: torch.Tensor, info: dict) -> torch.Tensor:
        return self.compute_dense_reward(obs=obs, action=action, info=info)

    def evaluate(self) -> dict:
        return dict()

    def _load_scene(self, options: dict) -> None: ...

    def _initialize_episode(self, env_idx: torch.Tensor, options: dict) -> None: ...

    def _step_action(self, action: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _get_obs_agent(self) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def _get_obs_extra(self, info: dict) -> dict[str, torch.Tensor]:
        return dict()

    def compute_dense_reward(self, obs: Any, action: torch.Tensor, info: dict) -> torch.Tensor:
        raise NotImplementedError


class TimeLimitWrapper(gym.Wrapper):
    """ManiSkill's per-environment time limit (mani_skill/utils/registration.py)."""

    def __init__(self, env: BaseEnv, max_episode_steps: int) -> None:
        super().__init__(env)
        self._max_episode_steps = max_episode_steps

    @property
    def base_env(self) -> BaseEnv:
        return self.env.unwrapped  # type: ignore[return-value]

    def step(self, action: torch.Tensor) -> tuple[Any, torch.Tensor, torch.Tensor, torch.Tensor, dict]:
        observation, reward, terminated, truncated, info = self.env.step(action)
        truncated = truncated | (self.base_env.elapsed_steps >= self._max_episode_steps)
        return observation, reward, terminated, truncated, info
