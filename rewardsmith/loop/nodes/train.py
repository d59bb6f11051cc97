"""train: sandboxed training (PPO for control, GRPO for text) for each candidate the gate let through, one
``Send`` branch each."""

from __future__ import annotations

from typing import Literal

from langgraph.types import Send

from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.record import TRAIN
from rewardsmith.loop.state import LoopState, TrainTask


def fan_out_train(ctx: LoopContext, state: LoopState) -> list[Send] | Literal["select"]:
    survivors = ctx.round_ids(state, stage="designed")
    if not survivors:
        return "select"
    return [Send("train", TrainTask(candidate_id=c, rubric_version=state["rubric_version"])) for c in survivors]


def train(ctx: LoopContext, task: TrainTask) -> dict:
    candidate_id = task.candidate_id
    record = ctx.record
    result = record.read(candidate_id, TRAIN)
    if result is None:
        record.event("train_started", candidate=candidate_id)
        result = ctx.family.train(ctx, candidate_id, task.rubric_version)
        record.write(candidate_id, TRAIN, result)
        record.event("train_finished", candidate=candidate_id, ok=result.ok, wall_time_s=result.wall_time_s)
    trained = ctx.family.trained(result)
    if result.ok and trained is not None:
        record.update_status(
            candidate_id,
            stage="trained",
            fitness=trained.fitness,
            final_fitness=trained.final_fitness,
            steps=trained.steps,
            train_time_s=trained.wall_time_s,
        )
        ctx.reporter.candidate_done(candidate_id, "trained", f"fitness {trained.fitness:.3f}")
        ctx.family.after_training(ctx, candidate_id, result)
    else:
        failure = result.failure
        record.update_status(
            candidate_id,
            stage="failed",
            stopped_at="train",
            reason_kind=failure.kind if failure else "sandbox_error",
            reason=failure.message if failure else "training produced no result",
        )
        ctx.reporter.candidate_done(candidate_id, "failed", failure.kind if failure else "sandbox_error")
    return {"trained": [candidate_id]}
