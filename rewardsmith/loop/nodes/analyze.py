"""analyze: the family's analyzer on every candidate trained this round."""

from __future__ import annotations

from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.record import ANALYSIS
from rewardsmith.loop.state import LoopState


def analyze(ctx: LoopContext, state: LoopState) -> dict:
    record = ctx.record
    for candidate_id in ctx.round_ids(state, stage="trained"):
        if record.has(candidate_id, ANALYSIS):
            continue
        analysis = ctx.family.analyze(ctx, candidate_id, state["rubric_version"])
        record.write(candidate_id, ANALYSIS, analysis)
        record.update_status(candidate_id, hacking_suspected=analysis.hacking_suspected)
        record.event(
            "analyzed", candidate=candidate_id, hacking=analysis.hacking_suspected, findings=len(analysis.findings)
        )
    return {}
