"""analyze: the Trajectory Analyzer on every candidate trained this round, with the gate pool's evidence."""

from __future__ import annotations

from rewardsmith.gate.evidence import PoolEvidence, pool_evidence
from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.record import ANALYSIS, POOL_LABELS, TRAIN, VERIFY
from rewardsmith.loop.state import LoopState
from rewardsmith.sandbox import TrainOutput, VerifyOutput


def analyze(ctx: LoopContext, state: LoopState) -> dict:
    record = ctx.record
    for candidate_id in ctx.round_ids(state, stage="trained"):
        if record.has(candidate_id, ANALYSIS):
            continue
        result = record.read(candidate_id, TRAIN)
        trained = result.output_of(TrainOutput) if result is not None else None
        assert result is not None and trained is not None
        analysis = ctx.agents.analyzer.analyze(
            record.candidate(candidate_id),
            trained.training,
            record.training_dir(candidate_id),
            record.rubric(state["rubric_version"]),
            task=ctx.spec,
            # The checks ran in the sandbox, on the confirming job's episodes of the trusted re-run.
            rubric_results=result.confirmation.rubric_results if result.confirmation is not None else None,
            pool=candidate_pool_evidence(ctx, candidate_id),
        )
        record.write(candidate_id, ANALYSIS, analysis)
        record.update_status(candidate_id, hacking_suspected=analysis.hacking_suspected)
        record.event(
            "analyzed", candidate=candidate_id, hacking=analysis.hacking_suspected, findings=len(analysis.findings)
        )
    return {}


def candidate_pool_evidence(ctx: LoopContext, candidate_id: str) -> PoolEvidence | None:
    """The pool a candidate was gated on, its returns there, and the reference run; None without a pool."""
    labels = ctx.record.read(candidate_id, POOL_LABELS)
    if labels is None:
        return None
    verified = ctx.record.read(candidate_id, VERIFY)
    output = verified.output_of(VerifyOutput) if verified is not None else None
    return pool_evidence(labels, output.pool_scores if output is not None else None, ctx.record.pool_reference())
