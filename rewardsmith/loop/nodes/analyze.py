"""analyze: the Trajectory Analyzer on every candidate trained this round."""

from __future__ import annotations

from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.record import ANALYSIS, TRAIN
from rewardsmith.loop.state import LoopState
from rewardsmith.sandbox import TrainOutput


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
        )
        record.write(candidate_id, ANALYSIS, analysis)
        record.update_status(candidate_id, hacking_suspected=analysis.hacking_suspected)
        record.event(
            "analyzed", candidate=candidate_id, hacking=analysis.hacking_suspected, findings=len(analysis.findings)
        )
    return {}
