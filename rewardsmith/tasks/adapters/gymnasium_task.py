"""Any Gymnasium environment as a rewardsmith task: a state extractor names what reward code may read.

A user writes one class: the environment's id, a :class:`TaskSpec` (most of it read from the
environment by :func:`gymnasium_spec`), :meth:`GymnasiumTask.extract`, which reads named values from
the environment's internals (``data.qpos``, ``data.qvel``, body positions) and the step's ``info``,
and :meth:`GymnasiumTask.fitness_step`, which folds them into the episode's fitness.

The environments are stepped one by one, each created by ``gymnasium.make``: MuJoCo environments have
no vector entry point of their own, and Gymnasium's ``SyncVectorEnv`` resets an environment before
its caller can read the state that ended the episode. Extracting inside the loop keeps the state
before the reset, which is what reward code is called on.
"""

from __future__ import annotations

import importlib
import inspect
import textwrap
from abc import abstractmethod
from typing import Any, ClassVar

import gymnasium
import numpy as np
import torch
from gymnasium import spaces
from numpy.typing import ArrayLike

from rewardsmith.tasks.adapters.mujoco_messages import mujoco_warnings_logged
from rewardsmith.tasks.adapters.state_buffers import StateBuffers
from rewardsmith.tasks.episodes import EpisodeTally
from rewardsmith.tasks.protocol import State, StepOutput, Task
from rewardsmith.tasks.spec import (
    BoxSpace,
    DiscreteSpace,
    FitnessSpec,
    ObservationSpec,
    PPOHints,
    StateVariable,
    TaskSpec,
    common_state_variables,
)


class GymnasiumSpaceError(ValueError):
    """The environment's spaces cannot be described to a policy; the message is one line."""


def gymnasium_spec(
    env_id: str,
    *,
    name: str,
    description: str,
    state_variables: tuple[StateVariable, ...],
    fitness: FitnessSpec,
    reference_reward_code: str,
    sparse_reward_code: str,
    env_kwargs: dict[str, Any] | None = None,
    observation_elements: tuple[str, ...] | None = None,
    episode_length: int | None = None,
    ppo: PPOHints | None = None,
) -> TaskSpec:
    """A :class:`TaskSpec` for ``env_id``: the observation, actions, time step and episode length are
    read from one instance of the environment, the rest is the caller's.

    ``state_variables`` are the extractor's own; the common ones (``action``, ``episode_step``) are added.
    """
    with mujoco_warnings_logged():
        env = gymnasium.make(env_id, disable_env_checker=True, **(env_kwargs or {}))
    try:
        action_space = _action_space(env_id, env.action_space)
        observation_size = _observation_size(env_id, env.observation_space)
        dt = float(getattr(env.unwrapped, "dt", 0.0)) or 1.0
        limit = episode_length or (env.spec.max_episode_steps if env.spec else None)
    finally:
        env.close()
    if limit is None:
        raise GymnasiumSpaceError(f"{env_id} has no time limit: give episode_length")
    elements = observation_elements or tuple(f"observation[{i}]" for i in range(observation_size))
    return TaskSpec(
        name=name,
        description=description,
        state_variables=(*state_variables, *common_state_variables(action_space)),
        observation=ObservationSpec(size=observation_size, elements=elements),
        action_space=action_space,
        episode_length=limit,
        dt=dt,
        fitness=fitness,
        reference_reward_code=reference_reward_code,
        sparse_reward_code=sparse_reward_code,
        ppo=ppo or PPOHints(),
    )


def _action_space(env_id: str, space: spaces.Space[Any]) -> BoxSpace | DiscreteSpace:
    if isinstance(space, spaces.Discrete):
        return DiscreteSpace(n=int(space.n), values=tuple(float(space.start + i) for i in range(int(space.n))))
    if isinstance(space, spaces.Box):
        low, high = np.unique(space.low), np.unique(space.high)
        if low.size != 1 or high.size != 1 or not np.isfinite([low[0], high[0]]).all():
            raise GymnasiumSpaceError(
                f"{env_id}: actions must share one finite range; wrap the env to rescale them to [-1, 1]"
            )
        return BoxSpace(shape=tuple(space.shape), low=float(low[0]), high=float(high[0]))
    raise GymnasiumSpaceError(f"{env_id}: action space {type(space).__name__} is not Box or Discrete")


def _observation_size(env_id: str, space: spaces.Space[Any]) -> int:
    if not isinstance(space, spaces.Box):
        raise GymnasiumSpaceError(
            f"{env_id}: observation space {type(space).__name__} is not a Box; wrap it with FlattenObservation"
        )
    return int(np.prod(space.shape))


class GymnasiumTask(Task):
    """A batch of Gymnasium environments of one id, read through :meth:`extract`.

    Subclasses set :attr:`env_id`, :attr:`spec` (see :func:`gymnasium_spec`) and, where the
    environment takes arguments, :attr:`env_kwargs`.
    """

    env_id: ClassVar[str]
    env_kwargs: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        num_envs: int,
        device: str | torch.device = "cpu",
        seed: int | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__(num_envs, device, seed, dtype)
        with mujoco_warnings_logged():
            self._envs = [
                gymnasium.make(
                    self.env_id,
                    disable_env_checker=True,
                    max_episode_steps=self.spec.episode_length,
                    **self.env_kwargs,
                )
                for _ in range(num_envs)
            ]
        self._own = [v for v in self.spec.state_variables if v.name not in self.COMMON_STATE]
        self._buffers = StateBuffers(self._own, num_envs, self.state_dtype)
        self._observation = np.zeros((num_envs, self.spec.observation.size), dtype=np.float32)
        # Rows in the environment's own observation shape, views of the flat batch: one assignment a step.
        self._observation_shape = (num_envs, *self._envs[0].observation_space.shape)
        self._observation_rows = self._observation.reshape(self._observation_shape)
        self._seed = seed
        self._tally = EpisodeTally(num_envs, self.device)
        self._last_action = torch.zeros((num_envs, *self.action_shape), dtype=dtype, device=self.device)
        self._started = False

    # ----------------------------------------------------------------------------------------------
    # What an adapter for one environment implements.

    @abstractmethod
    def extract(self, env: gymnasium.Env[Any, Any], info: dict[str, Any]) -> dict[str, ArrayLike]:
        """The task's own state variables after a transition of one environment.

        Args:
            env: The environment with its wrappers; ``env.unwrapped`` reaches the simulator
                (for MuJoCo, ``env.unwrapped.data.qpos``).
            info: The ``info`` the step returned (for MuJoCo locomotion, ``x_velocity``);
                after a reset, the reset's ``info``.

        Returns:
            One value per declared state variable, each of the variable's shape.
        """

    @abstractmethod
    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        """Fold one post-transition state into each episode's running fitness (0 at an episode's start)."""

    @classmethod
    def designer_source(cls) -> str:
        """The environment's observation method, the way Eureka shows its LLM a task; never its reward."""
        creator = gymnasium.spec(cls.env_id).entry_point
        env_class: object = creator
        if isinstance(creator, str):
            module_name, _, attribute = creator.partition(":")
            env_class = getattr(importlib.import_module(module_name), attribute)
        observe = getattr(env_class, "_get_obs", None)
        if observe is None:
            return textwrap.dedent(inspect.getsource(cls.extract))
        return textwrap.dedent(inspect.getsource(observe))

    # ----------------------------------------------------------------------------------------------
    # The batched environment.

    def reseed(self, seed: int) -> None:
        self._seed = seed

    def reset(self) -> torch.Tensor:
        seed, self._seed = self._seed, None
        for index, env in enumerate(self._envs):
            observation, _ = env.reset(seed=None if seed is None else seed + index)
            self._observation_rows[index] = observation
        self._tally.restart_all()
        self._last_action = torch.zeros_like(self._last_action)
        self._started = True
        return torch.tensor(self._observation, device=self.device)

    def step(self, policy_action: torch.Tensor) -> StepOutput:
        if not self._started:
            raise RuntimeError("call reset() before step()")
        action = self.apply_action(policy_action)
        commands = self._commands(action)
        terminated = np.zeros(self.num_envs, dtype=np.bool_)
        truncated = np.zeros(self.num_envs, dtype=np.bool_)
        final_observation = np.empty_like(self._observation)
        final_rows = final_observation.reshape(self._observation_shape)
        for index, env in enumerate(self._envs):
            observation, _, ended, timed_out, info = env.step(commands[index])
            self._store(index, self.extract(env, info))
            final_rows[index] = observation
            terminated[index] = ended
            truncated[index] = timed_out and not ended
            if ended or timed_out:
                observation, _ = env.reset()
            self._observation_rows[index] = observation

        self._tally.step = self._tally.step + 1
        self._last_action = action
        state = self._state_tensors()
        self._tally.fitness = self.fitness_step(state, self._tally.fitness).to(torch.float32)
        done = torch.from_numpy(terminated | truncated).to(self.device)
        episode_fitness, episode_length, self.any_done = self._tally.close(done)
        if self.any_done:
            self._last_action = self.cleared(action, done)
        return StepOutput(
            observation=torch.from_numpy(self._observation.copy()).to(self.device),
            final_observation=torch.from_numpy(final_observation).to(self.device),
            state=state,
            terminated=torch.from_numpy(terminated).to(self.device),
            truncated=torch.from_numpy(truncated).to(self.device),
            episode_fitness=episode_fitness,
            episode_length=episode_length,
        )

    def close(self) -> None:
        for env in self._envs:
            env.close()

    def _commands(self, action: torch.Tensor) -> np.ndarray:
        if isinstance(self.spec.action_space, DiscreteSpace):
            return action.detach().cpu().numpy().astype(np.int64)
        return action.detach().cpu().numpy().astype(np.float64)

    def _store(self, index: int, values: dict[str, ArrayLike]) -> None:
        # The check costs a pass over the names per environment and step; it runs only once a key is missing.
        try:
            self._buffers.write(index, values)
        except KeyError:
            missing = [v.name for v in self._own if v.name not in values]
            raise ValueError(f"task '{self.spec.name}': extract() did not return {missing}") from None

    def _state_tensors(self) -> State:
        return {**self._buffers.tensors(self.device), "action": self._last_action, "episode_step": self._tally.step}
