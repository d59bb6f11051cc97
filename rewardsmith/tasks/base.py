"""The batched, torch-native environment every task derives from.

A task runs ``num_envs`` copies of one system on one device. Its state is a dict of named tensors of
shape ``[num_envs, ...]``. The task never computes the designed reward: it advances the dynamics,
decides termination, and reports each finished episode's fitness. Reward code reads
:attr:`StepOutput.state`, the state right after the transition and before any reset.

Autoreset is "same step", as in Gymnasium's ``AutoresetMode.SAME_STEP``: when an environment
terminates or is truncated, :meth:`BatchedTask.step` returns the observation of the new episode in
``observation`` and the last observation of the old one in ``final_observation``.
"""

from __future__ import annotations

import inspect
import secrets
from abc import abstractmethod
from typing import ClassVar

import torch

from rewardsmith.tasks.episodes import EpisodeTally
from rewardsmith.tasks.protocol import State, StepOutput, Task
from rewardsmith.tasks.spec import TaskSpec

__all__ = ["BatchedTask", "State", "StepOutput"]


class BatchedTask(Task):
    """A task whose dynamics are a pure torch function. Subclasses set :attr:`spec` and implement five methods.

    Args:
        num_envs: Number of environments stepped together.
        device: Torch device the state lives on, ``"cpu"`` or ``"cuda[:i]"``.
        seed: Seed of the task's own random generator (initial states); ``None`` draws one.
        dtype: Float type of the physical state. ``float32`` trains faster; ``float64`` matches
            reference implementations that compute in double precision.
    """

    spec: ClassVar[TaskSpec]

    def __init__(
        self,
        num_envs: int,
        device: str | torch.device = "cpu",
        seed: int | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__(num_envs, device, seed, dtype)
        self.generator = torch.Generator(device=self.device)
        # secrets, not torch.seed(): that would reseed torch's global generator behind the user's back.
        self.generator.manual_seed(int(seed) if seed is not None else secrets.randbits(63))
        self._state: State = {}
        self._tally = EpisodeTally(num_envs, self.device)
        self._last_action = torch.zeros((num_envs, *self.action_shape), dtype=dtype, device=self.device)

    # ----------------------------------------------------------------------------------------------
    # What a task implements.

    @abstractmethod
    def initial_state(self, count: int) -> State:
        """Draw ``count`` initial states from :attr:`generator`.

        Returns:
            The task's own state variables (not the common ones), each ``[count, *shape]``.
        """

    @abstractmethod
    def dynamics(self, state: State, action: torch.Tensor) -> State:
        """Advance every environment by one step.

        Args:
            state: The task's own state variables; must not be modified in place.
            action: The applied (already clipped or mapped) action, ``[N, *action_shape]``.

        Returns:
            A new dict with the next value of every task state variable.
        """

    @abstractmethod
    def terminal(self, state: State) -> torch.Tensor:
        """bool ``[N]``: which environments are in a terminal state (success or failure)."""

    @abstractmethod
    def observe(self, state: State) -> torch.Tensor:
        """The policy observation of ``state``, ``[N, obs_size]`` in the task's float dtype."""

    @abstractmethod
    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        """Fold one post-transition state into each episode's running fitness.

        ``fitness_so_far`` is 0 at the start of an episode. The running value when the episode
        ends is its fitness. ``state`` includes the common variables (``episode_step`` counts
        steps taken so far, 1 after the first step).
        """

    # ----------------------------------------------------------------------------------------------
    # The batched environment.

    @classmethod
    def designer_source(cls) -> str:
        """Source of :meth:`observe`, shown to designers as the environment's observation code."""
        return inspect.getsource(cls.observe)

    def reseed(self, seed: int) -> None:
        self.generator.manual_seed(seed)

    @property
    def state(self) -> State:
        """The current state, common variables included. Tensors are not copied."""
        return {**self._state, "action": self._last_action, "episode_step": self._tally.step}

    def reset(self) -> torch.Tensor:
        """Start a new episode in every environment; returns the float32 observation."""
        self._state = self.checked_state(self.initial_state(self.num_envs), self.num_envs)
        self._tally.restart_all()
        self._last_action = torch.zeros_like(self._last_action)
        return self.observe(self._state).to(torch.float32)

    def set_state(self, state: State) -> torch.Tensor:
        """Overwrite the task's own state variables, e.g. to replay a recorded start state.

        Returns:
            The observation of the new state.
        """
        merged = {**self._state, **{k: v.to(self.device) for k, v in state.items()}}
        self._state = self.checked_state(merged, self.num_envs)
        return self.observe(self._state).to(torch.float32)

    def step(self, policy_action: torch.Tensor) -> StepOutput:
        """Advance every environment one step, with same-step autoreset."""
        if not self._state:
            raise RuntimeError("call reset() before step()")
        action = self.apply_action(policy_action)
        next_state = self.dynamics(self._state, action)
        self._tally.step = self._tally.step + 1
        self._last_action = action
        self._state = next_state
        full_state = self.state
        terminated = self.terminal(next_state)
        truncated = (self._tally.step >= self.spec.episode_length) & ~terminated
        self._tally.fitness = self.fitness_step(full_state, self._tally.fitness).to(torch.float32)
        final_observation = self.observe(next_state).to(torch.float32)

        done = terminated | truncated
        episode_fitness, episode_length, self.any_done = self._tally.close(done)
        observation = final_observation
        if self.any_done:
            observation = self._autoreset(done)
        return StepOutput(
            observation=observation,
            final_observation=final_observation,
            state=full_state,
            terminated=terminated,
            truncated=truncated,
            episode_fitness=episode_fitness,
            episode_length=episode_length,
        )

    def _autoreset(self, done: torch.Tensor) -> torch.Tensor:
        index = done.nonzero().squeeze(-1)
        fresh = self.checked_state(self.initial_state(int(index.numel())), int(index.numel()))
        # Rebuild rather than write in place: the pre-reset tensors were handed out in StepOutput.state.
        state = {}
        for name, value in self._state.items():
            value = value.clone()
            value[index] = fresh[name]
            state[name] = value
        self._state = state
        self._last_action = self.cleared(self._last_action, done)
        return self.observe(self._state).to(torch.float32)
