"""verify: each candidate run in the sandbox on sampled states, and scored on the gate's pool."""

from __future__ import annotations

from rewardsmith.gate.pool import POOL_ARRAYS, POOL_MANIFEST
from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.jobs import verify_job
from rewardsmith.loop.record import POOL_LABELS, VERIFY
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
    record = ctx.record
    pool_dir = record.path("pool")
    candidate_dir = record.candidate_dir(candidate_id)
    if ctx.config.gate_pool and (pool_dir / POOL_MANIFEST).exists():
        with ctx.pool_lock:
            # The labels the returns will be read against, frozen with the arrays the job gets.
            labels = POOL_LABELS.model.model_validate_json((pool_dir / POOL_MANIFEST).read_text())
            record.write(candidate_id, POOL_LABELS, labels)
            job, job_dir, out_dir = verify_job(ctx.config, candidate_id, candidate_dir, pool_dir / POOL_ARRAYS)
    else:
        job, job_dir, out_dir = verify_job(ctx.config, candidate_id, candidate_dir)
    result = ctx.sandbox.run(job, job_dir, out_dir)
    record.write(candidate_id, VERIFY, result)
    record.event("verified", candidate=candidate_id, ok=result.ok, wall_time_s=result.wall_time_s)
    return result
