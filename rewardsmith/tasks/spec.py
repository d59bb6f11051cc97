"""The typed description of a task: what reward code may read, and what it is judged by."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

StateDType = Literal["float32", "float64", "int64", "bool"]


class Obstacle(BaseModel):
    """A disc (a ball in three dimensions) that a position must go around, in that position's own frame."""

    model_config = ConfigDict(frozen=True)

    centre: tuple[float, ...] = Field(description="Its centre, one number per element of the position.")
    radius: float = Field(gt=0, description="Its radius, in the position's unit.")


class StateVariable(BaseModel):
    """One named state tensor that reward code may take as a parameter."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="Parameter name a reward function uses to receive this tensor.")
    shape: tuple[int, ...] = Field(
        default=(), description="Per-environment shape; the tensor itself is [num_envs, *shape]."
    )
    dtype: StateDType = Field(default="float32", description="Element type of the tensor.")
    unit: str = Field(description="Physical unit, e.g. 'm', 'rad/s', or '-' when dimensionless.")
    description: str = Field(description="What the quantity means, in one sentence.")
    desired: Literal["zero", "low", "high", "true", "false"] | None = Field(
        default=None,
        description=(
            "Which way good behaviour moves this variable, where its meaning makes that plain: towards 'zero' "
            "(an error), 'low' or 'high', or a flag that should become 'true' or stay 'false'. It is what a "
            "designer reads off the description, as data for rule-based agents; it says nothing of the fitness."
        ),
    )
    target: str | None = Field(
        default=None,
        description=(
            "Another state variable, of the same shape and unit, that this one should reach: a position's goal "
            "position, a joint angle's set-point. Designers reward the distance between the two shrinking."
        ),
    )
    direction: tuple[float, ...] | None = Field(
        default=None,
        description=(
            "A direction in this variable's own space along which it should grow, one number per element: "
            "(1.0, 0.0) on a planar velocity asks for forward motion, (1.0,) on a height asks it to rise."
        ),
    )
    avoid: tuple[Obstacle, ...] = Field(
        default=(),
        description=(
            "Obstacles this position must go around on its way, e.g. a disc across the straight line to its "
            "target. Designers then measure the way to the target around them, not through them."
        ),
    )

    @model_validator(mode="after")
    def _direction_fits(self) -> StateVariable:
        if self.direction is not None:
            size = math.prod(self.shape)
            if len(self.direction) != size:
                raise ValueError(
                    f"state variable '{self.name}' has {size} element(s) but its direction has {len(self.direction)}"
                )
            if not any(self.direction):
                raise ValueError(f"state variable '{self.name}' has an all-zero direction; give a non-zero vector")
        for obstacle in self.avoid:
            if len(obstacle.centre) != math.prod(self.shape) or len(obstacle.centre) < 2:
                raise ValueError(
                    f"state variable '{self.name}' has {math.prod(self.shape)} element(s) but an obstacle it avoids "
                    f"is centred at {list(obstacle.centre)}; avoid needs a position of 2 or more elements and a "
                    "centre with one number per element"
                )
        if self.target == self.name:
            raise ValueError(f"state variable '{self.name}' names itself as its target; name another variable")
        return self


class BoxSpace(BaseModel):
    """A continuous action space; actions outside [low, high] are clipped by the task."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["box"] = "box"
    shape: tuple[int, ...] = Field(description="Per-environment action shape.")
    low: float = Field(description="Lower bound of every action element.")
    high: float = Field(description="Upper bound of every action element.")


class DiscreteSpace(BaseModel):
    """A discrete action space; action index i applies `values[i]`."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["discrete"] = "discrete"
    n: int = Field(gt=0, description="Number of actions.")
    values: tuple[float, ...] = Field(description="The physical value each action index applies.")

    @model_validator(mode="after")
    def _values_match_n(self) -> DiscreteSpace:
        if len(self.values) != self.n:
            raise ValueError(f"discrete space has n={self.n} but {len(self.values)} values")
        return self


ActionSpace = Annotated[BoxSpace | DiscreteSpace, Field(discriminator="kind")]


class ObservationSpec(BaseModel):
    """What the policy sees. Reward code never reads the observation; it reads state variables."""

    model_config = ConfigDict(frozen=True)

    size: int = Field(gt=0, description="Length of the flat float32 observation vector.")
    elements: tuple[str, ...] = Field(description="What each element of the observation is, in order.")

    @model_validator(mode="after")
    def _elements_match_size(self) -> ObservationSpec:
        if len(self.elements) != self.size:
            raise ValueError(f"observation has size {self.size} but {len(self.elements)} element names")
        return self


class FitnessSpec(BaseModel):
    """The task's ground-truth success metric.

    It is held out from reward code: designers never see how it is computed, only its name and
    meaning. It is used to select candidates and to report scores.
    """

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="Short name of the metric, e.g. 'episode_length'.")
    description: str = Field(description="What one episode's fitness measures.")
    low: float = Field(default=0.0, description="Worst possible value of one episode's fitness.")
    high: float = Field(default=1.0, description="Best possible value of one episode's fitness (1: a success rate).")
    solved_threshold: float = Field(description="Mean evaluation fitness at or above which the task counts as solved.")

    @model_validator(mode="after")
    def _ordered(self) -> FitnessSpec:
        if not self.low < self.high:
            raise ValueError(f"fitness range is empty: low={self.low}, high={self.high}")
        if not self.low <= self.solved_threshold <= self.high:
            raise ValueError(f"solved threshold {self.solved_threshold} is outside [{self.low}, {self.high}]")
        return self


class PPOHints(BaseModel):
    """Training settings known to suit a task; a run's own config may override any of them."""

    model_config = ConfigDict(frozen=True)

    num_envs: int = Field(default=128, gt=0, description="Parallel environments while training.")
    steps: int = Field(
        default=200_000, gt=0, description="Environment steps the reference reward needs to solve the task."
    )
    rollouts: int = Field(default=32, gt=0, description="Steps per environment between PPO updates.")
    learning_epochs: int = Field(default=8, gt=0, description="Passes over each rollout batch.")
    mini_batches: int = Field(default=4, gt=0, description="Mini-batches per epoch.")
    learning_rate: float = Field(default=1e-3, gt=0, description="Adam learning rate.")
    discount_factor: float = Field(default=0.99, gt=0, le=1, description="Discount γ.")
    gae_lambda: float = Field(default=0.95, ge=0, le=1, description="GAE λ.")
    anneal_learning_rate: bool = Field(default=False, description="Decay the learning rate linearly to 5%.")
    entropy_loss_scale: float = Field(default=0.0, ge=0, description="Entropy bonus coefficient.")
    hidden_sizes: tuple[int, ...] = Field(default=(64, 64), description="Hidden layer widths of policy and value MLPs.")
    initial_log_std: float = Field(default=0.0, description="Initial log standard deviation of a Gaussian policy.")


class TaskSpec(BaseModel):
    """Everything the rest of rewardsmith needs to know about a task, as data."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="Registry name, e.g. 'cartpole'.")
    description: str = Field(description="What the agent must achieve, as told to a reward designer.")
    state_variables: tuple[StateVariable, ...] = Field(description="Tensors reward code may bind to by name.")
    observation: ObservationSpec = Field(description="The policy's observation.")
    action_space: ActionSpace = Field(description="The policy's action space.")
    episode_length: int = Field(gt=0, description="Steps after which an episode is truncated.")
    dt: float = Field(gt=0, description="Seconds of simulated time per step.")
    fitness: FitnessSpec = Field(description="Ground-truth success metric, held out from reward code.")
    sparse_reward_code: str = Field(
        description="A sparse reward in the reward contract, the floor of normalised scores."
    )
    reference_reward_code: str | None = Field(
        description=(
            "A human-written reward in the contract, the 1.0 of normalised scores; None where the task has "
            "none (its runs report fitness and evidence, never a normalised score)."
        )
    )
    ppo: PPOHints = Field(default_factory=PPOHints, description="Training settings that suit this task.")

    @model_validator(mode="after")
    def _unique_state_names(self) -> TaskSpec:
        names = [v.name for v in self.state_variables]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate state variable names: {duplicates}")
        variables = {v.name: v for v in self.state_variables}
        for variable in self.state_variables:
            if variable.target is None:
                continue
            target = variables.get(variable.target)
            if target is None:
                raise ValueError(
                    f"state variable '{variable.name}' targets '{variable.target}', which the task does not declare"
                )
            if (target.shape, target.unit) != (variable.shape, variable.unit):
                raise ValueError(
                    f"state variable '{variable.name}' ({variable.shape}, {variable.unit!r}) cannot reach "
                    f"'{target.name}' ({target.shape}, {target.unit!r}): a target needs the same shape and unit"
                )
        return self

    @property
    def state_variable_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.state_variables)

    def state_variable(self, name: str) -> StateVariable:
        for variable in self.state_variables:
            if variable.name == name:
                return variable
        raise KeyError(name)

    def goal_flag(self) -> str | None:
        """The task's success flag: the first state variable whose desired value is ``true``."""
        return next((v.name for v in self.state_variables if v.desired == "true"), None)


def common_state_variables(action_space: BoxSpace | DiscreteSpace) -> tuple[StateVariable, ...]:
    """The state variables every task provides besides its own: the applied action and the step count."""
    if isinstance(action_space, DiscreteSpace):
        action = StateVariable(
            name="action",
            unit="-",
            description=f"The physical action applied this step, one of {list(action_space.values)}.",
        )
    else:
        action = StateVariable(
            name="action",
            shape=action_space.shape,
            unit="-",
            description=f"The action applied this step, clipped to [{action_space.low}, {action_space.high}].",
        )
    step = StateVariable(
        name="episode_step",
        dtype="int64",
        unit="steps",
        description="Steps taken in the current episode, counting this one (1 after the first step).",
    )
    return (action, step)
