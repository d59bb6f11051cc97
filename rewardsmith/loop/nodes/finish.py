"""final_eval: the best reward retrained beside the reference and sparse rewards; report: the summary
and the HTML report."""

from __future__ import annotations

from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.final_eval import final_training_count, run_final_evaluation
from rewardsmith.loop.state import LoopState


def final_eval(ctx: LoopContext, state: LoopState) -> dict:
    if ctx.record.final_evaluation() is None:
        ctx.reporter.final_evaluation_started(final_training_count(ctx.config, ctx.family.facts, state.get("best_id")))
        evaluation = run_final_evaluation(ctx, state.get("best_id"))
        ctx.record.write_json(ctx.record.FINAL_EVALUATION, evaluation)
        ctx.record.event("final_evaluated", best=state.get("best_id"), score=evaluation.normalized_score)
    return {}


def report(ctx: LoopContext, state: LoopState) -> dict:
    evaluation = ctx.record.final_evaluation()
    assert evaluation is not None
    ctx.family.write_report(ctx, evaluation, state.get("history", []))
    ctx.record.event("finished", best=state.get("best_id"))
    return {"finished": True}
