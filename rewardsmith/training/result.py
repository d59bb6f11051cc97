"""Typed results of a training run: what the analyzer and the selector read."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# NaN and inf may appear in statistics; written as JSON constants they read back as floats.
_NUMBERS = ConfigDict(ser_json_inf_nan="constants")


class Checkpoint(BaseModel):
    """Training statistics since the previous checkpoint, and a deterministic evaluation."""

    model_config = _NUMBERS

    index: int = Field(description="0-based checkpoint number.")
    step: int = Field(description="Environment steps taken so far.")
    wall_time_s: float = Field(description="Seconds since training started.")
    eval_fitness: float = Field(description="Mean task fitness of the deterministic evaluation episodes.")
    eval_fitness_std: float = Field(description="Standard deviation of that fitness over episodes.")
    eval_episode_length: float = Field(description="Mean length of the evaluation episodes.")
    eval_return: float = Field(description="Mean designed return of the evaluation episodes.")
    train_episodes: int = Field(description="Training episodes that ended since the previous checkpoint.")
    train_return: float | None = Field(description="Their mean designed return; None when none ended.")
    train_episode_length: float | None = Field(description="Their mean length.")
    train_fitness: float | None = Field(description="Their mean task fitness (stochastic policy).")
    components: dict[str, float] = Field(
        default_factory=dict, description="Mean per-episode sum of each reward component, training episodes."
    )
    eval_components: dict[str, float] = Field(
        default_factory=dict, description="Mean per-episode sum of each reward component, evaluation episodes."
    )
    episode_file: str | None = Field(default=None, description="Recorded evaluation episodes, relative to the run dir.")


class ComponentStats(BaseModel):
    """One reward component's per-episode sum, followed across checkpoints (Eureka-style reflection)."""

    model_config = _NUMBERS

    values: list[float | None] = Field(description="The component's mean episode sum at each checkpoint.")
    max: float
    mean: float
    min: float
    trend: float = Field(description="Least-squares slope per checkpoint, in units of the component.")


class TrainingResult(BaseModel):
    """Everything one PPO run produced, as data; big arrays live in files next to it."""

    model_config = _NUMBERS

    task: str
    reward_sha256: str | None = Field(default=None, description="Hash of the reward source trained on.")
    seed: int
    device: str
    num_envs: int
    steps: int = Field(description="Environment steps actually taken.")
    wall_time_s: float
    env_steps_per_second: float = Field(description="Env steps per second of wall time, evaluations included.")
    eval_time_s: float = Field(default=0.0, description="Seconds spent in checkpoint evaluations.")
    checkpoints: list[Checkpoint]
    component_stats: dict[str, ComponentStats]
    fitness: float = Field(description="Best evaluation fitness over checkpoints (the policy kept).")
    final_fitness: float = Field(description="Evaluation fitness at the last checkpoint.")
    best_checkpoint: int
    solved: bool = Field(description="Whether the fitness reached the task's solved threshold.")
    policy_file: str | None = Field(default=None, description="Weights of the best policy, relative to the run dir.")
