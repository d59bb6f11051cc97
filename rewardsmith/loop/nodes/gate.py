"""gate: each verified candidate judged before any RL (rewardsmith.gate.policy), and stopped if it fails."""

from __future__ import annotations

from rewardsmith.gate.policy import gate_candidate
from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.record import GATE, POOL_LABELS, VERIFY
from rewardsmith.loop.state import LoopState
from rewardsmith.sandbox import VerifyOutput


def gate(ctx: LoopContext, state: LoopState) -> dict:
    record = ctx.record
    for candidate_id in ctx.round_ids(state, stage="designed"):
        verified = record.read(candidate_id, VERIFY)
        assert verified is not None
        output = verified.output_of(VerifyOutput)
        verify, scores = (output.verify, output.pool_scores) if output is not None else (None, None)
        result = gate_candidate(verify, scores, record.read(candidate_id, POOL_LABELS), ctx.spec)
        record.write(candidate_id, GATE, result)
        record.event("gated", candidate=candidate_id, passed=result.passed, kind=result.reason_kind)
        if not result.passed:
            ctx.reject(candidate_id, "gate", result.reason_kind or "gate", result.reason or "")
    return {}
