"""bench.json: one cell per task and method, typed."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from rewardsmith.bench.config import BenchConfig, BenchMethod
from rewardsmith.loop.results import RewardScores, normalized_score


class BenchCell(BaseModel):
    """One method on one task: its reward retrained on the benchmark's seeds, and what that cost."""

    task: str
    method: BenchMethod
    scores: RewardScores
    normalized_score: float | None = Field(
        default=None, description="On the mean fitness, against this benchmark's own sparse and reference cells."
    )
    rl_runs: int = Field(description="PPO trainings: the seeds', plus every training of a design run.")
    wall_time_s: float = Field(description="Seconds of the seeds' trainings, plus the design run's wall time.")
    tokens: int = Field(default=0, description="LLM tokens the design run spent.")
    run_dir: Path | None = Field(default=None, description="The design run, for the offline and llm methods.")
    best_id: str | None = Field(default=None, description="The design run's best candidate.")


class BenchResult(BaseModel):
    config: BenchConfig
    cells: list[BenchCell]

    def cell(self, task: str, method: BenchMethod) -> BenchCell | None:
        return next((c for c in self.cells if c.task == task and c.method == method), None)

    def normalized(self) -> BenchResult:
        """The cells with each normalised score set, where the task's sparse and reference cells both have a mean."""
        cells = []
        for cell in self.cells:
            sparse, reference = self.cell(cell.task, "sparse"), self.cell(cell.task, "reference")
            means = (
                cell.scores.mean,
                reference.scores.mean if reference else None,
                sparse.scores.mean if sparse else None,
            )
            score = normalized_score(*means) if None not in means else None
            cells.append(cell.model_copy(update={"normalized_score": score}))
        return self.model_copy(update={"cells": cells})
