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
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from rewardsmith.tasks.spec import BoxSpace, DiscreteSpace, TaskSpec

State = dict[str, torch.Tensor]

_TORCH_DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float64": torch.float64,
    "int64": torch.int64,
    "bool": torch.bool,
}


@dataclass(frozen=True, slots=True)
class StepOutput:
    """What one batched step returns. Tensors have a leading ``num_envs`` dimension."""

    observation: torch.Tensor
    """Policy observation after autoreset, float32 ``[N, obs_size]``."""
    final_observation: torch.Tensor
    """Observation before autoreset; differs from ``observation`` only where ``done``."""
    state: State
    """Named state after the transition, before autoreset: what reward code is called on."""
    terminated: torch.Tensor
    """bool ``[N]``: the episode reached a terminal state (success or failure)."""
    truncated: torch.Tensor
    """bool ``[N]``: the episode hit the time limit without terminating."""
    episode_fitness: torch.Tensor
    """float32 ``[N]``: fitness of each episode that ended this step; NaN elsewhere."""
    episode_length: torch.Tensor
    """int64 ``[N]``: steps in each episode that ended this step; 0 elsewhere."""

    @property
    def done(self) -> torch.Tensor:
        return self.terminated | self.truncated


class BatchedTask(ABC):
    """Base class of every task. Subclasses set :attr:`spec` and implement five methods.

    Args:
        num_envs: Number of environments stepped together.
        device: Torch device the state lives on, ``"cpu"`` or ``"cuda[:i]"``.
        seed: Seed of the task's own random generator (initial states); ``None`` draws one.
        dtype: Float type of the physical state. ``float32`` trains faster; ``float64`` matches
            reference implementations that compute in double precision.
    """

    spec: ClassVar[TaskSpec]

    #: State variables every task provides on top of its own, filled in by the base class.
    COMMON_STATE: ClassVar[tuple[str, ...]] = ("action", "episode_step")

    def __init__(
        self,
        num_envs: int,
        device: str | torch.device = "cpu",
        seed: int | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        if num_envs <= 0:
            raise ValueError(f"num_envs must be positive, got {num_envs}")
        self.num_envs = num_envs
        self.device = torch.device(device)
        self.dtype = dtype
        self.generator = torch.Generator(device=self.device)
        # secrets, not torch.seed(): that would reseed torch's global generator behind the user's back.
        self.generator.manual_seed(int(seed) if seed is not None else secrets.randbits(63))
        self._state: State = {}
        self.any_done = False
        self._episode_step = torch.zeros(num_envs, dtype=torch.int64, device=self.device)
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
    def draw_episode(cls, figure: Any, episode: Mapping[str, Any]) -> bool:
        """Draw one recorded episode for the report, the way a person pictures this task.

        Args:
            figure: An empty matplotlib ``Figure`` to draw on (``figure.subplots()``, ...). Tasks draw
                through it, so a task module imports no plotting library.
            episode: The episode's state variables by name, numpy arrays ``[T, ...]`` cut to its length.

        Returns:
            False where the task has no drawing of its own; the report then plots its state variables.
        """
        return False

    @classmethod
    def observation_source(cls) -> str:
        """Source of :meth:`observe`, shown to designers as the environment's observation code."""
        return inspect.getsource(cls.observe)

    @property
    def action_shape(self) -> tuple[int, ...]:
        space = self.spec.action_space
        return space.shape if isinstance(space, BoxSpace) else ()

    @property
    def state(self) -> State:
        """The current state, common variables included. Tensors are not copied."""
        return {**self._state, "action": self._last_action, "episode_step": self._episode_step}

    def reset(self) -> torch.Tensor:
        """Start a new episode in every environment; returns the float32 observation."""
        self._state = self._checked_state(self.initial_state(self.num_envs), self.num_envs)
        # New tensors, not zero_(): earlier StepOutput.state dicts still hold the old ones.
        self._episode_step = torch.zeros_like(self._episode_step)
        self._last_action = torch.zeros_like(self._last_action)
        self._fitness = torch.zeros(self.num_envs, dtype=torch.float32, device=self.device)
        return self.observe(self._state).to(torch.float32)

    def set_state(self, state: State) -> torch.Tensor:
        """Overwrite the task's own state variables, e.g. to replay a recorded start state.

        Returns:
            The observation of the new state.
        """
        merged = {**self._state, **{k: v.to(self.device) for k, v in state.items()}}
        self._state = self._checked_state(merged, self.num_envs)
        return self.observe(self._state).to(torch.float32)

    def apply_action(self, policy_action: torch.Tensor) -> torch.Tensor:
        """Map a policy output to the physical action: clip a box, look up a discrete index."""
        space = self.spec.action_space
        if isinstance(space, DiscreteSpace):
            values = torch.tensor(space.values, dtype=self.dtype, device=self.device)
            return values[policy_action.reshape(self.num_envs).long()]
        action = policy_action.reshape(self.num_envs, *space.shape).to(self.dtype)
        return action.clamp(space.low, space.high)

    def step(self, policy_action: torch.Tensor) -> StepOutput:
        """Advance every environment one step, with same-step autoreset."""
        if not self._state:
            raise RuntimeError("call reset() before step()")
        action = self.apply_action(policy_action)
        next_state = self.dynamics(self._state, action)
        self._episode_step = self._episode_step + 1
        self._last_action = action
        self._state = next_state
        full_state = self.state
        terminated = self.terminal(next_state)
        truncated = (self._episode_step >= self.spec.episode_length) & ~terminated
        self._fitness = self.fitness_step(full_state, self._fitness).to(torch.float32)
        final_observation = self.observe(next_state).to(torch.float32)

        done = terminated | truncated
        nan = torch.full_like(self._fitness, float("nan"))
        episode_fitness = torch.where(done, self._fitness, nan)
        episode_length = torch.where(done, self._episode_step, torch.zeros_like(self._episode_step))
        observation = final_observation
        # Kept for callers: this is the step's one host sync, and they need not add another.
        self.any_done = bool(done.any())
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
        fresh = self._checked_state(self.initial_state(int(index.numel())), int(index.numel()))
        # Rebuild rather than write in place: the pre-reset tensors were handed out in StepOutput.state.
        state = {}
        for name, value in self._state.items():
            value = value.clone()
            value[index] = fresh[name]
            state[name] = value
        self._state = state
        self._episode_step = self._episode_step.masked_fill(done, 0)
        self._last_action = self._last_action.clone()
        self._last_action[index] = 0
        self._fitness = self._fitness.masked_fill(done, 0.0)
        return self.observe(self._state).to(torch.float32)

    def _checked_state(self, state: State, count: int) -> State:
        declared = {v.name: v for v in self.spec.state_variables if v.name not in self.COMMON_STATE}
        missing = sorted(set(declared) - set(state))
        extra = sorted(set(state) - set(declared))
        if missing or extra:
            raise ValueError(
                f"task '{self.spec.name}' state does not match its spec: missing {missing}, undeclared {extra}"
            )
        for name, variable in declared.items():
            expected = (count, *variable.shape)
            if tuple(state[name].shape) != expected:
                raise ValueError(
                    f"task '{self.spec.name}' state '{name}' has shape {tuple(state[name].shape)}, spec says {expected}"
                )
        return state

    def state_dtype(self, name: str) -> torch.dtype:
        """The torch dtype a state variable has at run time (floats follow the task's dtype)."""
        declared = self.spec.state_variable(name).dtype
        if declared in ("float32", "float64"):
            return self.dtype
        return _TORCH_DTYPES[declared]
