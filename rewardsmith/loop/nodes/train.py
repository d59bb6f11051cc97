"""train: sandboxed PPO for each candidate the gate let through, one ``Send`` branch each."""

from __future__ import annotations

from typing import Literal

from langgraph.types import Send

from rewardsmith.gate.pool import POOL_MANIFEST, TRAINED_EPISODES, add_episodes
from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.jobs import train_job, train_job_dir
from rewardsmith.loop.record import TRAIN
from rewardsmith.loop.state import LoopState, TrainTask
from rewardsmith.rewards.rubric import DEFAULT_GOAL_FLAG
from rewardsmith.sandbox import SandboxResult, TrainOutput
from rewardsmith.sandbox.confirm import Confirmation, confirmed_episodes, run_confirmed


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
        job, job_dir, out_dir = train_job(ctx.config, candidate_id, record.candidate_dir(candidate_id))
        record.event("train_started", candidate=candidate_id)

        def progress(steps: int, total: int) -> None:
            ctx.reporter.training_progress(candidate_id, steps, total)

        check = Confirmation(
            record=TRAINED_EPISODES,
            rubric=record.rubric(task.rubric_version),
            goal_flag=ctx.spec.goal_flag() or DEFAULT_GOAL_FLAG,
        )
        result = run_confirmed(ctx.sandbox, job, job_dir, out_dir, on_progress=progress, check=check)
        record.write(candidate_id, TRAIN, result)
        record.event("train_finished", candidate=candidate_id, ok=result.ok, wall_time_s=result.wall_time_s)
    trained = result.output_of(TrainOutput)
    if result.ok and trained is not None:
        training = trained.training
        record.update_status(
            candidate_id,
            stage="trained",
            fitness=training.fitness,
            final_fitness=training.final_fitness,
            steps=training.steps,
            train_time_s=training.wall_time_s,
        )
        ctx.reporter.candidate_done(candidate_id, "trained", f"fitness {training.fitness:.3f}")
        grow_pool(ctx, candidate_id, result)
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


def grow_pool(ctx: LoopContext, candidate_id: str, result: SandboxResult) -> None:
    """Add the episodes the confirming job recorded (a policy re-run with no candidate code, so its
    labels are true) to the pool, once per candidate even on resume."""
    pool_dir = ctx.record.path("pool")
    if result.confirmation is None or not (pool_dir / POOL_MANIFEST).exists():
        return
    episodes = confirmed_episodes(train_job_dir(ctx.record.candidate_dir(candidate_id)), result.confirmation)
    if episodes is None:
        return
    with ctx.pool_lock:
        pool = add_episodes(
            pool_dir,
            episodes,
            "trained",
            f"trained/{candidate_id}",
            ctx.spec.fitness.solved_threshold,
            ctx.spec.episode_length,
        )
    ctx.record.event("pool_grown", candidate=candidate_id, version=pool.version, trajectories=len(pool.trajectories))
