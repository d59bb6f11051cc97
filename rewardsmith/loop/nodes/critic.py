"""critic: each designed candidate reviewed, with up to ``critic_repairs`` rewrites of a rejected one."""

from __future__ import annotations

from rewardsmith.agents.types import Candidate, CriticVerdict
from rewardsmith.llm import BudgetExhaustedError
from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.record import CRITIC
from rewardsmith.loop.state import LoopState


def critic(ctx: LoopContext, state: LoopState) -> dict:
    for candidate_id in ctx.round_ids(state, stage="designed"):
        verdict = ctx.record.read(candidate_id, CRITIC)
        if verdict is None:
            verdict = review_with_repairs(ctx, candidate_id, state["iteration"], state["rubric_version"])
            ctx.record.write(candidate_id, CRITIC, verdict)
        if not verdict.passed:
            errors = [f for f in verdict.findings if f.severity == "error"]
            reason = "; ".join(f"{f.rule}: {f.message}" for f in errors[:3])
            ctx.reject(candidate_id, "critic", errors[0].rule if errors else "critic", reason)
    return {}


def review_with_repairs(ctx: LoopContext, candidate_id: str, iteration: int, rubric_version: int) -> CriticVerdict:
    """The critic's verdict, after up to ``critic_repairs`` rewrites of a rejected candidate by the
    designer (in a fresh conversation of its own, never the critic's)."""
    record = ctx.record
    candidate = record.candidate(candidate_id)
    verdict = ctx.family.review(ctx, candidate)
    while not verdict.passed and candidate.repair_round < ctx.config.critic_repairs:
        try:
            repaired = ctx.family.repair(ctx, candidate, verdict, iteration, rubric_version)
        except BudgetExhaustedError:
            repaired = None
        if repaired is None:
            break
        record.keep_rejected_version(candidate, verdict)
        candidate = Candidate.of(
            repaired.model_copy(update={"parent_id": candidate_id}),
            candidate_id=candidate_id,
            iteration=candidate.iteration,
            repair_round=candidate.repair_round + 1,
        )
        record.save_candidate(candidate)
        verdict = ctx.family.review(ctx, candidate)
        record.event(
            "candidate_repaired", candidate=candidate_id, repair_round=candidate.repair_round, passed=verdict.passed
        )
    return verdict
