"""A manager-based Isaac Lab environment (``ManagerBasedRLEnv``) as a rewardsmith task.

A manager-based environment is written as configs of terms: observation terms, termination terms,
and reward terms (``RewardTermCfg`` in a ``RewardsCfg``), each a function of the environment with
parameters. The adapter works in those units:

- state variables are terms too: a variable named like a term of the ``policy`` observation group is
  that term (``joint_pos_rel``); others are given in :attr:`IsaacLabManagerTask.state_terms`;
- the variant's ``RewardsCfg`` holds one term, which reads the state where the reward manager runs
  (after the termination manager, before resets) and pays nothing; the task's own reward terms are
  dropped and never shown, its terminations, events and commands are kept;
- the designer reads the observation config class (``ObservationsCfg``), never ``RewardsCfg``.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Mapping
from typing import Any, ClassVar

import torch

from rewardsmith.tasks.adapters.isaaclab_task import INSTALL_HINT, Capture, IsaacLabTask
from rewardsmith.tasks.adapters.lazy import resolve
from rewardsmith.tasks.protocol import State

#: The name of the variant's one reward term.
STATE_TERM = "rewardsmith_state"


class IsaacLabManagerTask(IsaacLabTask):
    """A ``ManagerBasedRLEnv`` task; state variables are terms evaluated on the environment."""

    env_class: ClassVar[str] = "isaaclab.envs:ManagerBasedRLEnv"
    reward_term_cfg: ClassVar[str] = "isaaclab.managers:RewardTermCfg"
    """Where ``RewardTermCfg`` lives (``omni.isaac.lab.managers`` before Isaac Lab 2)."""
    state_terms: ClassVar[Mapping[str, Any]] = {}
    """Term configs (anything with ``func`` and ``params``, e.g. ``ObsTerm(func=mdp.root_pos_w)``) for the
    state variables that are not terms of the ``policy`` observation group."""

    def make_env(self, env_class: Any, cfg: Any, capture: Capture) -> Any:
        term_cfg = resolve(self.reward_term_cfg, INSTALL_HINT)

        def read(env: Any) -> torch.Tensor:
            capture(env)
            return torch.zeros(env.num_envs, device=env.device)

        self._terms = {v.name: self._term(cfg, v.name) for v in self._own}
        cfg.rewards = {STATE_TERM: term_cfg(func=read, weight=1.0, params={})}  # type: ignore[operator]
        return env_class(cfg=cfg)

    def _term(self, cfg: Any, name: str) -> Any:
        term = self.state_terms.get(name) or getattr(cfg.observations.policy, name, None)
        if term is None:
            raise ValueError(
                f"state variable '{name}' is not a policy observation term of {type(cfg).__name__}; "
                "give its term in state_terms"
            )
        return term

    def read_state(self, env: Any) -> State:
        state = {}
        for variable in self._own:
            term = self._terms[variable.name]
            value = term.func(env, **(term.params or {}))
            state[variable.name] = value.detach().to(
                device=self.device, dtype=self.state_dtype(variable.name), copy=True
            )
        return state

    def observe(self, env: Any) -> torch.Tensor:
        return env.observation_manager.compute()["policy"]

    @classmethod
    def designer_source(cls) -> str:
        """The observation config class: what the policy sees, term by term; never the reward terms."""
        observations = cls.config_class()().observations
        return textwrap.dedent(inspect.getsource(type(observations)))
