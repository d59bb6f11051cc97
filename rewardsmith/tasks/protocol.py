"""The task contract the loop depends on: reset and step a batch of environments, read named state.

Two families keep it. :class:`~rewardsmith.tasks.base.BatchedTask` computes its own dynamics in torch
(``dynamics(state, action)``, a pure function). A simulator adapter
(:class:`~rewardsmith.tasks.gymnasium.GymnasiumTask`, the Isaac and ManiSkill adapters) drives a
stateful simulator and reads its internals after each transition. Nothing in the loop asks a task to
set its state: the gate's pool scores recorded states, and its probes only send actions.

What a task must provide:

- ``spec``: a :class:`TaskSpec` (state variables with units, observation, actions, fitness range,
  reference and sparse rewards, PPO hints);
- ``reset()`` and ``step(action)``, with same-step autoreset, giving every declared state variable
  after each transition (before any reset) in :attr:`StepOutput.state`;
- ``reseed(seed)``: after it, the next ``reset()`` starts every environment from the same states for
  the same seed (deterministic evaluation);
- each finished episode's fitness in :attr:`StepOutput.episode_fitness`;
- ``designer_source()``: the code a designer reads beside the state stubs.

What it may leave out: setting state, batched dynamics, differentiability, rendering.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from rewardsmith.tasks.evidence import EpisodeFact
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


class Task(ABC):
    """A batch of ``num_envs`` environments of one task, on one torch device.

    Args:
        num_envs: Number of environments stepped together.
        device: Torch device the state tensors live on, ``"cpu"`` or ``"cuda[:i]"``.
        seed: Seed of the task's initial states; ``None`` draws one.
        dtype: Float type of the physical state.
    """

    spec: ClassVar[TaskSpec]

    #: State variables every task provides on top of its own.
    COMMON_STATE: ClassVar[tuple[str, ...]] = ("action", "episode_step")
    #: Whether the simulator allows one instance per process (Isaac Gym shares one sim, Isaac Lab refuses a
    #: second SimulationContext): loading such a class makes no instance to check it.
    one_per_process: ClassVar[bool] = False

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
        #: Whether the last step ended any episode: the step's one host sync, kept so callers need not add another.
        self.any_done = False

    @abstractmethod
    def reset(self) -> torch.Tensor:
        """Start a new episode in every environment; returns the float32 observation ``[N, obs_size]``."""

    @abstractmethod
    def step(self, policy_action: torch.Tensor) -> StepOutput:
        """Advance every environment one step, with same-step autoreset."""

    @abstractmethod
    def reseed(self, seed: int) -> None:
        """Make the next :meth:`reset` draw its initial states from ``seed``, the same every time."""

    @classmethod
    @abstractmethod
    def designer_source(cls) -> str:
        """Code shown to designers beside the state stubs: how the policy's observation is made.

        Never the task's own reward: a designer that reads it copies it (the leak Eureka's users
        reported for Isaac Gym task sources).
        """

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
    def episode_facts(cls, episode: Mapping[str, Any]) -> list[EpisodeFact]:
        """Numbers that show what one recorded episode did (how far, which way), for the report.

        Args:
            episode: The episode's state variables by name, numpy arrays ``[T, ...]`` cut to its length.

        Returns:
            Nothing where the task names no such number; its report then shows pictures only.
        """
        return []

    @property
    def action_shape(self) -> tuple[int, ...]:
        space = self.spec.action_space
        return space.shape if isinstance(space, BoxSpace) else ()

    def state_dtype(self, name: str) -> torch.dtype:
        """The torch dtype a state variable has at run time (floats follow the task's dtype)."""
        declared = self.spec.state_variable(name).dtype
        if declared in ("float32", "float64"):
            return self.dtype
        return _TORCH_DTYPES[declared]

    def apply_action(self, policy_action: torch.Tensor) -> torch.Tensor:
        """Map a policy output to the physical action: clip a box, look up a discrete index."""
        space = self.spec.action_space
        if isinstance(space, DiscreteSpace):
            values = torch.tensor(space.values, dtype=self.dtype, device=self.device)
            return values[policy_action.reshape(self.num_envs).long()]
        action = policy_action.reshape(self.num_envs, *space.shape).to(self.dtype)
        return action.clamp(space.low, space.high)

    @staticmethod
    def cleared(action: torch.Tensor, done: torch.Tensor) -> torch.Tensor:
        """``action`` with zeros where ``done``: a new episode starts with no last action. Out of place, since
        earlier StepOutput.state dicts still hold the old tensor."""
        return action.masked_fill(done.reshape(-1, *([1] * (action.dim() - 1))), 0.0)

    def checked_state(self, state: State, count: int) -> State:
        """``state`` when it holds exactly the task's own declared variables at their shapes."""
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
