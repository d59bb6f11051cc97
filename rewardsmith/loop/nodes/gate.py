"""gate: each verified candidate judged before any RL by its family's gate, and stopped if it fails."""

from __future__ import annotations

from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.state import LoopState


def gate(ctx: LoopContext, state: LoopState) -> dict:
    for candidate_id in ctx.round_ids(state, stage="designed"):
        decision = ctx.family.gate(ctx, candidate_id)
        ctx.record.event("gated", candidate=candidate_id, passed=decision.passed, kind=decision.kind)
        if not decision.passed:
            ctx.reject(candidate_id, "gate", decision.kind or "gate", decision.reason or "")
    return {}
