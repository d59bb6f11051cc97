"""Isaac Lab environments as rewardsmith tasks: the direct workflow here, the manager-based one in
:mod:`rewardsmith.tasks.adapters.isaaclab_manager_task`.

Isaac Lab's ``step`` computes dones, then rewards, then resets the environments that ended, then
observations: after ``step`` returns, an ended environment already shows its next episode. The one
place that sees the state that ended an episode is the reward computation, so that is where each
adapter's variant of the environment reads the state, the success metric and the observation, as
Isaac Lab Eureka hooks ``_get_rewards`` and ``_reset_idx``. The variant's own reward is zero: the
designed reward is computed by the trainer from the state.

A user writes one class: the environment and config classes as ``"module:Class"`` (imported when a
task is made: Isaac Lab needs its ``AppLauncher`` started first), a spec
(:func:`~rewardsmith.tasks.adapters.simulator.simulator_spec`), and the success attribute (Isaac Lab
Eureka's ``success_metric``, per environment: ``episode_length_buf`` for cart-pole).
"""

from __future__ import annotations

import operator
from abc import abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from rewardsmith.tasks.adapters.attributes import read_attributes
from rewardsmith.tasks.adapters.excerpt import class_excerpt
from rewardsmith.tasks.adapters.lazy import resolve, resolve_class
from rewardsmith.tasks.adapters.simulator import SimulatorTask, Transition
from rewardsmith.tasks.protocol import State

INSTALL_HINT = (
    "install Isaac Lab 2 (pip install 'isaaclab[isaacsim,all]' on a GPU worker with Isaac Sim's drivers) and "
    "start isaaclab.app.AppLauncher before making the task"
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the variant read at the reward computation: after the transition, before any reset."""

    state: State
    success: torch.Tensor
    observation: torch.Tensor


Capture = Callable[[Any], None]


class IsaacLabTask(SimulatorTask):
    """A batch of one Isaac Lab RL environment, read where the environment computes its reward."""

    one_per_process = True

    env_class: ClassVar[str]
    """``"module:Class"`` of the environment (``DirectRLEnv`` subclass, or ``ManagerBasedRLEnv``)."""
    env_cfg: ClassVar[str]
    """``"module:Class"`` of its config; instantiated with no arguments, then ``scene.num_envs`` and
    ``sim.device`` are set."""
    success_attribute: ClassVar[str] = "episode_length_buf"
    """Attribute path on the environment of its success metric per environment, read before reset."""

    def open_simulator(self) -> None:
        self._snapshot: Snapshot | None = None
        cfg = self.config_class()()
        cfg.scene.num_envs = self.num_envs
        cfg.sim.device = str(self.device)
        self.env = self.make_env(resolve(self.env_class, INSTALL_HINT), cfg, self._capture)

    @classmethod
    def config_class(cls) -> Callable[[], Any]:
        config = resolve(cls.env_cfg, INSTALL_HINT)
        if not callable(config):
            raise TypeError(f"{cls.env_cfg} is not a config class")
        return config

    @abstractmethod
    def make_env(self, env_class: Any, cfg: Any, capture: Capture) -> Any:
        """The environment, its reward replaced by one that calls ``capture(env)`` and pays nothing."""

    @abstractmethod
    def read_state(self, env: Any) -> State:
        """The task's own state variables, read from ``env`` before any reset."""

    @abstractmethod
    def observe(self, env: Any) -> torch.Tensor:
        """The policy observation of ``env`` now, computed without side effects."""

    def _capture(self, env: Any) -> None:
        success = operator.attrgetter(self.success_attribute)(env)
        self._snapshot = Snapshot(
            state=self.read_state(env),
            success=torch.as_tensor(success, device=self.device, dtype=torch.float32).clone(),
            observation=self._policy(self.observe(env)),
        )

    def simulator_reset(self, seed: int | None) -> torch.Tensor:
        observation, _ = self.env.reset(seed=seed)
        return self._policy(observation["policy"])

    def simulator_step(self, action: torch.Tensor) -> Transition:
        self._snapshot = None
        observation, _, terminated, time_outs, _ = self.env.step(action)
        if self._snapshot is None:
            raise RuntimeError(f"{type(self.env).__name__}.step() did not compute rewards; its variant read no state")
        terminated = terminated.to(self.device).bool()
        return Transition(
            observation=self._policy(observation["policy"]),
            final_observation=self._snapshot.observation,
            state=self._snapshot.state,
            terminated=terminated,
            truncated=time_outs.to(self.device).bool() & ~terminated,
            success=self._snapshot.success,
        )

    def _policy(self, observation: torch.Tensor) -> torch.Tensor:
        return observation.to(device=self.device, dtype=torch.float32, copy=True)


def direct_variant(env_class: type, capture: Capture) -> type:
    """A subclass of a ``DirectRLEnv`` whose ``_get_rewards`` reads the state and pays nothing.

    ``_get_dones`` and ``_reset_idx`` are the task's own. Its reward still runs, kept as ``gt_rew_buf``,
    as Isaac Lab Eureka keeps it as the "oracle" it logs.
    """

    def _get_rewards(self: Any) -> torch.Tensor:
        capture(self)
        self.gt_rew_buf = env_class._get_rewards(self)
        return torch.zeros_like(self.gt_rew_buf)

    return type(f"{env_class.__name__}RewardReplaced", (env_class,), {"_get_rewards": _get_rewards})


class IsaacLabDirectTask(IsaacLabTask):
    """A ``DirectRLEnv`` task; state variables are environment attributes, as in Isaac Gym."""

    state_paths: ClassVar[Mapping[str, str]] = {}
    """Attribute path per state variable where it is not the name (``"_robot.data.root_pos_w"``)."""

    def make_env(self, env_class: Any, cfg: Any, capture: Capture) -> Any:
        return direct_variant(env_class, capture)(cfg=cfg)

    def read_state(self, env: Any) -> State:
        return read_attributes(env, self._own, self.state_paths, self.num_envs, self.state_dtype, self.device)

    def observe(self, env: Any) -> torch.Tensor:
        return env._get_observations()["policy"]

    @classmethod
    def designer_source(cls) -> str:
        """The environment class cut down as Eureka shows a task; Isaac Lab Eureka shows ``_get_observations``."""
        return class_excerpt(resolve_class(cls.env_class, INSTALL_HINT), ("_get_observations",))
