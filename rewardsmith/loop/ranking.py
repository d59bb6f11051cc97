"""Ranking a round's drafts on the gate's pool before any RL: the designer writes many, the best few train.

Each draft's reward is summed over the pool's labelled trajectories and judged as the gate judges a
candidate (:func:`rewardsmith.gate.judge.judge`): drafts the gate would pass come first, then by
pairwise preference accuracy plus rank correlation with the fitness, less a share for every hack probe
the reward pays like competence. Only the ``keep`` best become candidates; the rest never train.

Only rule-based drafts are ranked here, in this process: their code is rendered from a genome of
numbers and names checked against the task, and a draft is scored only if its code is exactly what its
genome renders to. Code a model wrote is never run outside the sandbox.

A task without a reference reward has a pool of random play and probes only; the ranking says so, and
the kept drafts' rationales carry that it was made with less evidence.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from rewardsmith.agents.designer.reward_terms import genome_from_code, render_reward
from rewardsmith.agents.types import Draft
from rewardsmith.gate.judge import GateReport, judge
from rewardsmith.gate.pool import TrajectoryPool, load_pool, score_pool
from rewardsmith.rewards.errors import RewardContractError
from rewardsmith.rewards.loader import load_reward
from rewardsmith.tasks.protocol import Task
from rewardsmith.training.rewards import TrainingError

#: What a probe the reward pays like competence costs a draft's score.
PROBE_PENALTY = 0.5
Evidence = Literal["reference", "random_and_probes"]
LESS_EVIDENCE = (
    "ranked with less evidence: the task has no reference reward, so the pool holds only random play and "
    "hack probes, no competent episodes"
)


class RankedDraft(BaseModel):
    """One draft's standing on the pool."""

    index: int = Field(description="The draft's place in the designer's answer.")
    score: float | None = Field(description="The ranking score; None where the reward could not be scored.")
    passed: bool = Field(description="The gate's measures would pass it.")
    pairwise_accuracy: float | None
    rank_correlation: float | None
    probes_paid: int = Field(description="Hack probes the reward pays at or above the competent median.")
    kept: bool = Field(description="Among the best few that become candidates and train.")
    summary: str = Field(description="The draft's rationale, first line.")


class RoundRanking(BaseModel):
    """How one round's drafts were ranked on the pool: how many ranked, which were kept."""

    iteration: int
    ranked: int = Field(description="Drafts scored on the pool.")
    kept: int = Field(description="Drafts that became candidates (the best by score).")
    pool_trajectories: int
    evidence: Evidence = Field(description="What the pool's labels rest on.")
    note: str | None = Field(default=None, description="What the designer says of the ranking's evidence.")
    drafts: list[RankedDraft] = Field(description="Every draft, best first.")


def rankable(drafts: list[Draft], task_class: type[Task]) -> bool:
    """Whether every draft is rule-based code that re-renders exactly from its genome, so it may run here."""
    spec = task_class.spec
    for draft in drafts:
        genome = genome_from_code(draft.code)
        if draft.designer != "rule-based" or genome is None or genome.task != spec.name:
            return False
        try:
            if render_reward(genome, spec) != draft.code:
                return False
        except ValueError:
            return False
    return True


def rank_drafts(
    drafts: list[Draft], task_class: type[Task], pool_dir: Path, keep: int, iteration: int
) -> tuple[list[Draft], RoundRanking]:
    """The ``keep`` best drafts by their standing on the pool, best first, and the ranking's record.

    Raises:
        ValueError: A draft is not rankable here (see :func:`rankable`).
    """
    if not rankable(drafts, task_class):
        raise ValueError("only rule-based drafts that re-render from their genome are ranked in-process")
    pool, arrays = load_pool(pool_dir)
    evidence: Evidence = "reference" if any(t.kind == "reference" for t in pool.trajectories) else "random_and_probes"
    note = LESS_EVIDENCE if evidence == "random_and_probes" else None
    standings: list[RankedDraft] = []
    with tempfile.TemporaryDirectory(prefix="rewardsmith-rank-") as scratch:
        for index, draft in enumerate(drafts):
            report = _judged(draft, task_class, arrays, pool, Path(scratch) / f"d{index}")
            standings.append(_standing(index, draft, report))
    # Stable: equal scores keep the designer's order, which puts its default first.
    order = sorted(range(len(drafts)), key=lambda i: _key(standings[i]))
    chosen = set(order[:keep])
    ranked = [standings[i].model_copy(update={"kept": i in chosen}) for i in order]
    kept: list[Draft] = []
    for place, i in enumerate(order[:keep], start=1):
        standing = standings[i]
        measures = (
            f"Ranked {place} of {len(drafts)} on the gate's pool before training (score {standing.score:.3f})"
            if standing.score is not None
            else f"Kept unscored ({place} of {len(drafts)})"
        )
        rationale = f"{drafts[i].rationale} {measures}{f'; {note}' if note else ''}."
        kept.append(drafts[i].model_copy(update={"rationale": rationale}))
    record = RoundRanking(
        iteration=iteration,
        ranked=len(drafts),
        kept=len(kept),
        pool_trajectories=len(pool.trajectories),
        evidence=evidence,
        note=note,
        drafts=ranked,
    )
    return kept, record


def _judged(
    draft: Draft, task_class: type[Task], arrays: dict[str, np.ndarray], pool: TrajectoryPool, workdir: Path
) -> GateReport | None:
    spec = task_class.spec
    try:
        reward = load_reward(draft.code, spec, workdir)
        scores = score_pool(reward, task_class, arrays, "cpu")
    except (RewardContractError, TrainingError):
        return None
    return judge(scores, pool, spec.fitness.low, spec.fitness.high)


def _standing(index: int, draft: Draft, report: GateReport | None) -> RankedDraft:
    summary = draft.rationale.split(". ")[0]
    if report is None:
        return RankedDraft(
            index=index,
            score=None,
            passed=False,
            pairwise_accuracy=None,
            rank_correlation=None,
            probes_paid=0,
            kept=False,
            summary=summary,
        )
    paid = sum(outcome.outscored for outcome in report.probes)
    score = (report.pairwise_accuracy or 0.0) + (report.rank_correlation or 0.0) - PROBE_PENALTY * paid
    return RankedDraft(
        index=index,
        score=round(score, 6),
        passed=report.passed,
        pairwise_accuracy=report.pairwise_accuracy,
        rank_correlation=report.rank_correlation,
        probes_paid=paid,
        kept=False,
        summary=summary,
    )


def _key(standing: RankedDraft) -> tuple[bool, bool, float]:
    return (standing.score is None, not standing.passed, -(standing.score or 0.0))
