"""specify: rubric v1 from the task, and whatever the task's family prepares once per run (the gate's pool)."""

from __future__ import annotations

from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.state import LoopState


def specify(ctx: LoopContext, state: LoopState) -> dict:
    record = ctx.record
    if not record.exists("specs/v1.json"):
        rubric = ctx.family.initial_rubric(ctx)
        record.save_rubric(rubric)
        record.event("spec_written", version=rubric.version, author=rubric.author)
    ctx.family.prepare(ctx)
    return {"iteration": 1, "rubric_version": 1, "best_id": None, "best_fitness": None, "finished": False}
