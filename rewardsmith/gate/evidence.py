"""What a trained policy is judged against besides itself: the pool's competent trajectories, the
fitness of random play, and the reference run's curve.

A detector that sees only a policy's own episodes cannot tell a policy whose every episode ends at
once from one that does the task quickly, nor a return earned by farming from one earned by doing the
task. The gate's pool can: its competent trajectories show how long doing the task takes, what fitness
it reaches, and, scored by the candidate's own reward in its verify job, what the candidate pays for
doing it. :func:`pool_evidence` gathers those numbers once, typed, for the analyzer.
"""

from __future__ import annotations

import statistics

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.gate.judge import competent_indices
from rewardsmith.gate.pool import PoolScores, TrajectoryPool
from rewardsmith.training.result import TrainingResult


class PoolEpisode(BaseModel):
    """One competent trajectory of the pool, with what the candidate's reward pays for it."""

    model_config = ConfigDict(frozen=True)

    source: str
    length: int
    fitness: float
    success: bool
    designed_return: float | None = Field(description="The candidate's return on it; None where it was not scored.")


class ReferenceCurve(BaseModel):
    """The reference reward's training run on this task, at the run's budget."""

    model_config = ConfigDict(frozen=True)

    steps: list[int] = Field(description="Environment steps at each checkpoint.")
    fitness: list[float] = Field(description="Evaluation fitness at each checkpoint.")

    @property
    def best_fitness(self) -> float:
        return max(self.fitness, default=float("nan"))


class PoolEvidence(BaseModel):
    """The evidence outside a trained policy that the analyzer's pool detectors read."""

    model_config = ConfigDict(frozen=True)

    competent: list[PoolEpisode] = Field(description="The pool's competent trajectories (the gate's definition).")
    random_fitness: float | None = Field(description="Mean fitness of the pool's random play; None without any.")
    reference: ReferenceCurve | None = Field(default=None, description="The reference run's curve, where known.")

    def competent_return(self) -> float | None:
        """The median return the candidate's reward pays the competent trajectories, like the gate's bar."""
        returns = [e.designed_return for e in self.competent if e.designed_return is not None]
        return statistics.median(returns) if returns else None


def pool_evidence(
    labels: TrajectoryPool, scores: PoolScores | None, reference: TrainingResult | None = None
) -> PoolEvidence:
    """The analyzer's evidence from a candidate's frozen pool labels and its returns on that pool.

    Args:
        labels: The pool's labels the candidate was scored against.
        scores: Its returns on those trajectories, in the same order; None when it was not scored.
        reference: The reference reward's training run that seeded the pool, where it is known.
    """
    trajectories = labels.trajectories
    returns = scores.returns if scores is not None and len(scores.returns) == len(trajectories) else None
    competent = [
        PoolEpisode(
            source=trajectories[i].source,
            length=trajectories[i].length,
            fitness=trajectories[i].fitness,
            success=trajectories[i].success,
            designed_return=returns[i] if returns is not None and returns[i] == returns[i] else None,
        )
        for i in competent_indices(trajectories)
    ]
    random = [t.fitness for t in trajectories if t.kind == "random"]
    curve = (
        ReferenceCurve(
            steps=[c.step for c in reference.checkpoints], fitness=[c.eval_fitness for c in reference.checkpoints]
        )
        if reference is not None
        else None
    )
    return PoolEvidence(
        competent=competent, random_fitness=statistics.fmean(random) if random else None, reference=curve
    )
