"""A ManiSkill3 task as a rewardsmith task: batched torch environments on the simulator's device.

A user writes one class: the env id (``"PickCube-v1"``), its env class as ``"module:Class"`` for the
designer's context, a spec (:func:`~rewardsmith.tasks.adapters.simulator.simulator_spec`), and where
each state variable comes from. A variable is read from ``evaluate()``'s info where it has that name
(``is_grasped``, ``is_obj_placed``), or else from the environment by attribute path in
:attr:`ManiSkillTask.state_paths` (``"cube.pose.p"``, ``"agent.tcp.pose.p"``, as Text2Reward's
ManiSkill rewards read them), or else by its own name.

- Context: the env class cut down as Eureka shows a task, with its observation method
  ``_get_obs_extra``; never ``compute_dense_reward``, nor ``evaluate``, which defines success.
- Fitness: ``evaluate()``'s ``success`` (or :attr:`ManiSkillTask.success_key`) folded over the
  episode, by default ``max`` (ManiSkill's ``success_once``).
- Resets: ManiSkill's ``BaseEnv`` does not reset an ended environment itself (its vector wrapper
  does); the adapter reads the state first, then resets only the ended ones with
  ``reset(options={"env_idx": ...})``.

ManiSkill needs a Vulkan device to make an environment, so this runs on GPU workers only.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, ClassVar

import gymnasium
import torch

from rewardsmith.tasks.adapters.attributes import read_attributes
from rewardsmith.tasks.adapters.excerpt import class_excerpt
from rewardsmith.tasks.adapters.lazy import SimulatorMissingError, resolve_class
from rewardsmith.tasks.adapters.simulator import FitnessFold, SimulatorTask, Transition
from rewardsmith.tasks.protocol import State

INSTALL_HINT = "install mani-skill 3 (pip install mani_skill) on a GPU worker with a Vulkan driver"


class ManiSkillTask(SimulatorTask):
    """A batch of one ManiSkill3 environment, made with ``gymnasium.make(env_id, num_envs=...)``."""

    env_id: ClassVar[str]
    env_class: ClassVar[str]
    """``"module:Class"`` of the environment, read for the designer's context."""
    env_kwargs: ClassVar[Mapping[str, Any]] = {}
    """More ``gymnasium.make`` arguments (``control_mode="pd_ee_delta_pos"``, ``robot_uids``)."""
    registers: ClassVar[str] = "mani_skill.envs"
    """The module whose import registers the env id with Gymnasium."""
    state_paths: ClassVar[Mapping[str, str]] = {}
    success_key: ClassVar[str] = "success"
    """The key of ``evaluate()``'s info that holds the task's success, per environment."""
    fitness_fold: ClassVar[FitnessFold] = "max"

    def open_simulator(self) -> None:
        try:
            importlib.import_module(self.registers)
        except ModuleNotFoundError as error:
            raise SimulatorMissingError(
                f"{self.env_id} needs {error.name!r}, which is not installed: {INSTALL_HINT}"
            ) from None
        backend = "physx_cuda" if self.device.type == "cuda" else "physx_cpu"
        self.env = gymnasium.make(
            self.env_id, num_envs=self.num_envs, obs_mode="state", sim_backend=backend, **self.env_kwargs
        )

    @classmethod
    def designer_source(cls) -> str:
        """The env class cut down as Eureka shows a task: header, "omitted" and ``_get_obs_extra``."""
        return class_excerpt(resolve_class(cls.env_class, INSTALL_HINT), ("_get_obs_extra",))

    def simulator_reset(self, seed: int | None) -> torch.Tensor:
        observation, _ = self.env.reset(seed=seed)
        return self._observation(observation)

    def simulator_step(self, action: torch.Tensor) -> Transition:
        observation, _, terminated, truncated, info = self.env.step(action)
        state = self._read_state(info)
        final_observation = self._observation(observation)
        terminated = terminated.to(self.device).bool()
        truncated = truncated.to(self.device).bool() & ~terminated
        done = terminated | truncated
        if bool(done.any()):
            observation, _ = self.env.reset(options={"env_idx": done.nonzero(as_tuple=False).flatten()})
        return Transition(
            observation=self._observation(observation),
            final_observation=final_observation,
            state=state,
            terminated=terminated,
            truncated=truncated,
            success=self._success(info),
        )

    def _read_state(self, info: dict[str, Any]) -> State:
        from_info = {v.name for v in self._own if v.name not in self.state_paths and v.name in info}
        state = read_attributes(
            self.env.unwrapped,
            tuple(v for v in self._own if v.name not in from_info),
            self.state_paths,
            self.num_envs,
            self.state_dtype,
            self.device,
        )
        for name in from_info:
            state[name] = info[name].detach().to(device=self.device, dtype=self.state_dtype(name), copy=True)
        return state

    def _success(self, info: dict[str, Any]) -> torch.Tensor:
        if self.success_key not in info:
            raise KeyError(
                f"{self.env_id}: evaluate() gives no '{self.success_key}' (it gives {', '.join(sorted(info))}); "
                "set success_key"
            )
        return info[self.success_key].to(device=self.device, dtype=torch.float32)

    def _observation(self, observation: torch.Tensor) -> torch.Tensor:
        return observation.to(device=self.device, dtype=torch.float32, copy=True)
