"""specify: rubric v1 from the task, and the gate's trajectory pool."""

from __future__ import annotations

from pathlib import Path

from rewardsmith.gate.pool import POOL_MANIFEST
from rewardsmith.gate.pool_builder import build_pool, reference_sources
from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.jobs import pool_reference_job
from rewardsmith.loop.state import LoopState
from rewardsmith.sandbox import TrainOutput
from rewardsmith.sandbox.artefacts import checkpoint_episodes


def specify(ctx: LoopContext, state: LoopState) -> dict:
    record = ctx.record
    if not record.exists("specs/v1.json"):
        rubric = ctx.agents.spec_writer.initial(ctx.spec)
        record.save_rubric(rubric)
        record.event("spec_written", version=rubric.version, author=rubric.author)
    prepare_pool(ctx)
    return {"iteration": 1, "rubric_version": 1, "best_id": None, "best_fitness": None, "finished": False}


def prepare_pool(ctx: LoopContext) -> None:
    """Build the gate's pool once per run: a reference-reward training's episodes, random play, the probes."""
    pool_dir = ctx.record.path("pool")
    if not ctx.config.gate_pool or (pool_dir / POOL_MANIFEST).exists():
        return
    ctx.record.event("pool_started")
    files: list[tuple[str, Path]] = []
    if ctx.spec.reference_reward_code is None:
        # No competent trajectories to learn from: the gate judges by the probes and random play alone.
        ctx.record.event("pool_without_reference")
        ctx.reporter.note("the task has no reference reward: the gate's pool holds probes and random play only")
    else:
        files = _reference_files(ctx, pool_dir, ctx.spec.reference_reward_code)
    pool = build_pool(ctx.task_class, ctx.config.task, files, pool_dir, seed=ctx.config.seed)
    ctx.record.event(
        "pool_built",
        trajectories=len(pool.trajectories),
        successes=sum(t.success for t in pool.trajectories),
        probes=sorted({t.probe for t in pool.trajectories if t.probe}),
    )


def _reference_files(ctx: LoopContext, pool_dir: Path, reference_code: str) -> list[tuple[str, Path]]:
    ctx.reporter.note("building the gate's trajectory pool: one reference-reward training, then the probes")
    job, job_dir, out_dir = pool_reference_job(ctx.config, pool_dir, reference_code)
    result = ctx.sandbox.run(job, job_dir, out_dir)
    files: list[tuple[str, Path]] = []
    trained = result.output_of(TrainOutput)
    if result.ok and trained is not None:
        files = reference_sources(checkpoint_episodes(trained.training, out_dir))
        ctx.record.save_pool_reference(trained.training)
    else:
        # Probes and random play still make a pool; without competent trajectories it is a weaker one.
        reason = result.failure.message.splitlines()[0] if result.failure else "no result"
        ctx.record.event("pool_reference_failed", reason=reason)
        ctx.reporter.note(f"the pool's reference run failed ({reason}); the pool holds probes only")
    return files
