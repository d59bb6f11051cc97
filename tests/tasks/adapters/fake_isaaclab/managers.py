"""Isaac Lab's term configs and the observation, termination and reward managers, as the env calls them.

``RewardManager`` follows isaaclab/managers/reward_manager.py: terms from a config object's attributes
or a ``dict[str, RewardTermCfg]``, ``compute(dt)`` summing ``func(env, **params) * weight * dt`` and
skipping zero weights, episode sums reported and cleared by ``reset(env_ids)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

TermFunction = Callable[..., torch.Tensor]


@dataclass
class ObservationTermCfg:
    func: TermFunction
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class RewardTermCfg:
    func: TermFunction
    weight: float
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class TerminationTermCfg:
    func: TermFunction
    params: dict[str, Any] = field(default_factory=dict)
    time_out: bool = False


def _terms(cfg: object) -> list[tuple[str, Any]]:
    items = cfg.items() if isinstance(cfg, dict) else vars(cfg).items()
    return [(name, term) for name, term in items if term is not None]


class ObservationManager:
    """One concatenated group, ``policy``."""

    def __init__(self, cfg: object, env: object) -> None:
        self._env = env
        self._policy_terms = _terms(cfg.policy)  # type: ignore[attr-defined]

    @property
    def active_terms(self) -> dict[str, list[str]]:
        return {"policy": [name for name, _ in self._policy_terms]}

    def compute(self, update_history: bool = False) -> dict[str, torch.Tensor]:
        values = [term.func(self._env, **term.params) for _, term in self._policy_terms]
        return {"policy": torch.cat(values, dim=-1)}

    def reset(self, env_ids: Sequence[int] | None = None) -> dict[str, float]:
        return {}


class TerminationManager:
    def __init__(self, cfg: object, env: object) -> None:
        self._env = env
        self._terms = _terms(cfg)
        self.terminated = torch.zeros(env.num_envs, dtype=torch.bool)  # type: ignore[attr-defined]
        self.time_outs = torch.zeros_like(self.terminated)

    def compute(self) -> torch.Tensor:
        self.terminated = torch.zeros_like(self.terminated)
        self.time_outs = torch.zeros_like(self.time_outs)
        for _, term in self._terms:
            value = term.func(self._env, **term.params)
            if term.time_out:
                self.time_outs |= value
            else:
                self.terminated |= value
        return self.terminated | self.time_outs

    def reset(self, env_ids: Sequence[int] | None = None) -> dict[str, float]:
        return {}


class RewardManager:
    def __init__(self, cfg: object, env: Any) -> None:
        self.cfg = cfg
        self._env = env
        self._term_names: list[str] = []
        self._term_cfgs: list[RewardTermCfg] = []
        for term_name, term_cfg in _terms(cfg):
            if not isinstance(term_cfg, RewardTermCfg):
                raise TypeError(f"Configuration for the term '{term_name}' is not of type RewardTermCfg.")
            self._term_names.append(term_name)
            self._term_cfgs.append(term_cfg)
        self._episode_sums = {name: torch.zeros(env.num_envs) for name in self._term_names}
        self._reward_buf = torch.zeros(env.num_envs)

    @property
    def active_terms(self) -> list[str]:
        return self._term_names

    def reset(self, env_ids: Sequence[int] | None = None) -> dict[str, torch.Tensor]:
        selected = slice(None) if env_ids is None else env_ids
        extras = {}
        for key in self._episode_sums:
            extras["Episode_Reward/" + key] = (
                torch.mean(self._episode_sums[key][selected]) / self._env.max_episode_length_s
            )
            self._episode_sums[key][selected] = 0.0
        return extras

    def compute(self, dt: float) -> torch.Tensor:
        self._reward_buf[:] = 0.0
        for name, term_cfg in zip(self._term_names, self._term_cfgs, strict=True):
            if term_cfg.weight == 0.0:
                continue
            value = term_cfg.func(self._env, **term_cfg.params) * term_cfg.weight * dt
            self._reward_buf += value
            self._episode_sums[name] += value
        return self._reward_buf
