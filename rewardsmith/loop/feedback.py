"""What a round's designer is told of the rounds before it, assembled from the run record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rewardsmith.agents.types import Feedback, Rejection
from rewardsmith.loop.record import ANALYSIS, CandidateStatus, RunRecord


def human_feedback_path(iteration: int) -> str:
    """Where a reviewer's feedback for the designer of round ``iteration`` is kept."""
    return f"feedback/i{iteration:02d}.txt"


def reviewed_path(iteration: int) -> str:
    """The mark that the review after round ``iteration`` was answered (with feedback or without)."""
    return f"feedback/i{iteration:02d}.reviewed"


def rejection_of(status: CandidateStatus, **gate: Any) -> Rejection:
    """What the next designer is told of a rejected candidate: where and why, with ``gate``, the family's
    account of the gate's verdict where the gate stopped it (``gate=`` report, ``text_probes=``)."""
    return Rejection(
        candidate_id=status.id,
        stage=status.stopped_at or "design",
        kind=status.reason_kind or "rejected",
        reason=status.reason or "",
        **gate,
    )


def feedback_for(
    record: RunRecord, iteration: int, rejection: Callable[[CandidateStatus], Rejection]
) -> Feedback | None:
    """The feedback of round ``iteration``'s designer; None in round 1.

    It holds the best candidate so far by task fitness with its analysis, last round's rejections as
    the task's family tells them (``rejection``: the gate's whole report where the gate stopped one),
    and a reviewer's words if any.
    """
    if iteration == 1:
        return None
    statuses = record.statuses()
    trained = [s for s in statuses if s.stage == "trained" and s.fitness is not None]
    previous = [s for s in statuses if s.iteration == iteration - 1 and s.stage == "rejected"]
    rejected = [rejection(status) for status in previous]
    human_path = human_feedback_path(iteration)
    human = record.path(human_path).read_text() if record.exists(human_path) else None
    if not trained:
        return Feedback(rejected=rejected, human=human)
    best = max(trained, key=lambda s: s.fitness or float("-inf"))
    return Feedback(
        best=record.candidate(best.id),
        best_fitness=best.fitness,
        analysis=record.read(best.id, ANALYSIS),
        rejected=rejected,
        human=human,
    )
