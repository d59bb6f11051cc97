"""verify: each candidate run in the sandbox on sampled inputs (and, for control, scored on the gate's pool)."""

from __future__ import annotations

from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.record import VERIFY
from rewardsmith.loop.state import LoopState
from rewardsmith.sandbox import SandboxResult


def verify(ctx: LoopContext, state: LoopState) -> dict:
    record = ctx.record
    pending = [c for c in ctx.round_ids(state, stage="designed") if not record.has(c, VERIFY)]
    if pending:
        record.event("verify_started", candidates=pending)
    results = dict(zip(pending, ctx.parallel(lambda c: verify_one(ctx, c), pending), strict=True))
    for candidate_id in ctx.round_ids(state, stage="designed"):
        result = results.get(candidate_id) or record.read(candidate_id, VERIFY)
        assert result is not None
        if not result.ok:
            failure = result.failure
            kind = failure.kind if failure else "sandbox_error"
            ctx.reject(candidate_id, "verify", kind, failure.message if failure else "verification failed")
    return {}


def verify_one(ctx: LoopContext, candidate_id: str) -> SandboxResult:
    result = ctx.family.verify(ctx, candidate_id)
    ctx.record.write(candidate_id, VERIFY, result)
    ctx.record.event("verified", candidate=candidate_id, ok=result.ok, wall_time_s=result.wall_time_s)
    return result
