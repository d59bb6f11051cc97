"""What the torch-native simulator adapters share: episode bookkeeping and fitness from a success metric.

Isaac Gym, Isaac Lab and ManiSkill step a batch of environments on the simulator's device and give
torch tensors. An adapter implements :meth:`SimulatorTask.open_simulator`,
:meth:`SimulatorTask.simulator_reset` and :meth:`SimulatorTask.simulator_step`; the last returns a
:class:`Transition` with the task's own state read before any reset, and this class turns it into
the task contract's :class:`StepOutput`.

Fitness is the simulator task's own success metric, as Eureka and Isaac Lab Eureka select rewards by
it: each step gives a per-environment value, folded over the episode by :data:`FitnessFold`.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

import torch

from rewardsmith.tasks.episodes import EpisodeTally
from rewardsmith.tasks.protocol import State, StepOutput, Task
from rewardsmith.tasks.spec import (
    BoxSpace,
    FitnessSpec,
    ObservationSpec,
    PPOHints,
    StateVariable,
    TaskSpec,
    common_state_variables,
)

FitnessFold = Literal["final", "sum", "max"]
"""How a per-step success value becomes an episode's fitness: its value at the episode's last step
(a success flag, Eureka's per-episode ``consecutive_successes``), its sum over the episode (a ground-truth
reward, Eureka's ``gt_reward`` where a task has no success rate), or its maximum (succeeded at least once)."""


def simulator_spec(
    *,
    name: str,
    description: str,
    state_variables: tuple[StateVariable, ...],
    observation_size: int,
    action_size: int,
    episode_length: int,
    dt: float,
    fitness: FitnessSpec,
    reference_reward_code: str | None,
    sparse_reward_code: str,
    ppo: PPOHints | None = None,
) -> TaskSpec:
    """A :class:`TaskSpec` for a GPU simulator's task, whose sizes its config sets (``numObservations``,
    ``observation_space``) and which cannot be made here to read them.

    Actions are in [-1, 1]: Isaac Gym's ``VecTask`` declares that range, Isaac Lab's and ManiSkill's
    tasks scale a unit action themselves. An episode lasts ``episode_length`` steps of ``dt`` seconds
    (the physics step times the decimation). ``action`` and ``episode_step`` are added.
    """
    action_space = BoxSpace(shape=(action_size,), low=-1.0, high=1.0)
    return TaskSpec(
        name=name,
        description=description,
        state_variables=(*state_variables, *common_state_variables(action_space)),
        observation=ObservationSpec(
            size=observation_size, elements=tuple(f"observation[{i}]" for i in range(observation_size))
        ),
        action_space=action_space,
        episode_length=episode_length,
        dt=dt,
        fitness=fitness,
        reference_reward_code=reference_reward_code,
        sparse_reward_code=sparse_reward_code,
        ppo=ppo or PPOHints(),
    )


@dataclass(frozen=True, slots=True)
class Transition:
    """One batched simulator step, read before any reset. Tensors are on the task's device."""

    observation: torch.Tensor
    """float32 ``[N, obs_size]`` after the reset of the environments that ended."""
    final_observation: torch.Tensor
    """float32 ``[N, obs_size]`` before that reset."""
    state: State
    """The task's own state variables (not ``action`` and ``episode_step``)."""
    terminated: torch.Tensor
    truncated: torch.Tensor
    success: torch.Tensor
    """float ``[N]``: the task's success metric after this step, folded into fitness by
    :attr:`SimulatorTask.fitness_fold`."""


class SimulatorTask(Task):
    """A batch of environments of a torch-native simulator, behind the task contract."""

    fitness_fold: ClassVar[FitnessFold] = "final"

    def __init__(
        self,
        num_envs: int,
        device: str | torch.device = "cpu",
        seed: int | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__(num_envs, device, seed, dtype)
        self._seed = seed
        self._tally = EpisodeTally(num_envs, self.device)
        self._last_action = torch.zeros((num_envs, *self.action_shape), dtype=dtype, device=self.device)
        self._own = tuple(v for v in self.spec.state_variables if v.name not in self.COMMON_STATE)
        self._started = False
        self.open_simulator()

    @abstractmethod
    def open_simulator(self) -> None:
        """Create the simulator's ``num_envs`` environments on ``device``; ``__init__`` calls it once."""

    @abstractmethod
    def simulator_reset(self, seed: int | None) -> torch.Tensor:
        """Start a new episode in every environment, from ``seed`` when given; the float32 observation."""

    @abstractmethod
    def simulator_step(self, action: torch.Tensor) -> Transition:
        """Apply ``action`` (clipped to the spec's range) to every environment and reset those that ended."""

    def reseed(self, seed: int) -> None:
        self._seed = seed

    def reset(self) -> torch.Tensor:
        seed, self._seed = self._seed, None
        observation = self.simulator_reset(seed)
        self._tally.restart_all()
        self._last_action = torch.zeros_like(self._last_action)
        self._started = True
        return observation

    def step(self, policy_action: torch.Tensor) -> StepOutput:
        if not self._started:
            raise RuntimeError("call reset() before step()")
        action = self.apply_action(policy_action.to(self.device))
        transition = self.simulator_step(action)
        own = self.checked_state(transition.state, self.num_envs)
        self._tally.step = self._tally.step + 1
        self._last_action = action
        state = {**own, "action": action, "episode_step": self._tally.step}
        self._tally.fitness = self._fold(transition.success.to(device=self.device, dtype=torch.float32))
        done = transition.terminated | transition.truncated
        episode_fitness, episode_length, self.any_done = self._tally.close(done)
        if self.any_done:
            self._last_action = self.cleared(action, done)
        return StepOutput(
            observation=transition.observation,
            final_observation=transition.final_observation,
            state=state,
            terminated=transition.terminated,
            truncated=transition.truncated,
            episode_fitness=episode_fitness,
            episode_length=episode_length,
        )

    def _fold(self, success: torch.Tensor) -> torch.Tensor:
        if self.fitness_fold == "sum":
            return self._tally.fitness + success
        if self.fitness_fold == "max":
            return torch.where(self._tally.step == 1, success, torch.maximum(self._tally.fitness, success))
        return success
