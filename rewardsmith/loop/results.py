"""The typed outcome of a design run, as the API returns it and summary.json stores it."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


def normalized_score(fitness: float, reference: float, sparse: float) -> float | None:
    """``(F − F_sparse) / |F_reference − F_sparse|``; None where reference and sparse tie."""
    spread = abs(reference - sparse)
    if spread < 1e-9:
        return None
    return (fitness - sparse) / spread


def format_score(value: float | None) -> str:
    """A score for a table or a line of text, '-' when there is none."""
    return "-" if value is None else f"{value:.3f}"


class RewardScores(BaseModel):
    """One reward retrained on several seeds."""

    label: str = Field(description="'best', 'reference' or 'sparse'.")
    fitness: list[float] = Field(description="Best-checkpoint evaluation fitness per seed.")
    failures: list[str] = Field(default_factory=list, description="Seeds whose training failed, with the reason.")
    mean: float | None = None
    std: float | None = None


class FinalEvaluation(BaseModel):
    """final_eval: the best reward against the task's reference and sparse rewards, same seeds and steps."""

    best_id: str | None
    seeds: list[int]
    steps: int
    best: RewardScores | None
    reference: RewardScores | None = Field(description="None where the task has no reference reward.")
    sparse: RewardScores
    normalized_score: float | None = Field(
        description="(F_best − F_sparse) / |F_reference − F_sparse| on mean fitness; None when undefined."
    )

    def normalize(self, fitness: float | None) -> float | None:
        """Any fitness on this run's scale; None where it, the reference or the sparse mean is missing."""
        if fitness is None or self.reference is None or self.reference.mean is None or self.sparse.mean is None:
            return None
        return normalized_score(fitness, self.reference.mean, self.sparse.mean)


class IterationRecord(BaseModel):
    """One design round."""

    iteration: int
    rubric_version: int
    designed: int
    rejected: int
    trained: int
    solved: int = Field(default=0, description="Trained candidates of the round at or above the solved threshold.")
    best_id: str | None
    best_fitness: float | None
    round_best_id: str | None
    round_best_fitness: float | None
    next: str


class DesignResult(BaseModel):
    """What ``rewardsmith.design`` returns: the best reward, its scores, and where the record is."""

    run_id: str
    run_dir: Path
    task: str
    designer: str = Field(description="Who designed the rewards, e.g. 'rule-based (offline)'.")
    best_candidate_id: str | None
    best_code: str | None
    best_reward_path: Path | None
    training_fitness: float | None = Field(description="The best candidate's fitness in the loop (one seed).")
    fitness: float | None = Field(description="Mean fitness of the best reward retrained on the final seeds.")
    fitness_std: float | None
    normalized_score: float | None
    reference_fitness: float | None
    sparse_fitness: float | None
    candidates: int
    trained: int
    rejected: int
    history: list[IterationRecord]
    ranked: int = Field(
        default=0, description="Drafts ranked on the gate's pool before any RL, every round; `candidates` of them kept."
    )


class PausedRun(BaseModel):
    """What ``design`` and ``resume`` return when a run with ``review`` pauses after a round for feedback.

    Continue it with ``rewardsmith.resume(run_dir, feedback="...")``.
    """

    run_id: str
    run_dir: Path
    iteration: int = Field(description="The round just finished.")
    next: str = Field(description="What runs after the feedback: 'design' or 'correct_spec'.")
    best_candidate_id: str | None
    best_fitness: float | None
    summary: str = Field(description="The round in a few words, for the reviewer.")
