"""Build a task's first trajectory pool: reference-run episodes, random play and the hack probes."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from rewardsmith.gate.pool import (
    PoolTrajectory,
    TrajectoryKind,
    TrajectoryPool,
    episode_arrays,
    label_episodes,
    merge_arrays,
    save_pool,
)
from rewardsmith.gate.probes import early_termination_policy, probe_policies, rollout
from rewardsmith.sandbox.artefacts import artefact_path
from rewardsmith.sandbox.outputs import training_artefacts
from rewardsmith.tasks.base import BatchedTask
from rewardsmith.training.result import TrainingResult

#: Episodes of random play and of each probe; enough to see a probe's best case, few enough to be cheap.
PROBE_EPISODES = 4
RANDOM_EPISODES = 8


def reference_episode_files(result: TrainingResult, out_dir: Path) -> list[tuple[str, Path]]:
    """``(source, path)`` of each checkpoint's recorded episodes of a reference run written to ``out_dir``.

    The run's out dir was open to its job, so each file is reached as a declared artefact (a plain
    name, no link followed, size capped); one that is not there, or not usable, is left out.
    """
    declared = training_artefacts(result)
    files = []
    for checkpoint in result.checkpoints:
        if checkpoint.episode_file is None:
            continue
        with contextlib.suppress(OSError):
            path = artefact_path(out_dir, checkpoint.episode_file, declared)
            files.append((f"reference/checkpoint_{checkpoint.index:02d}", path))
    return files


def build_pool(
    task_class: type[BatchedTask],
    task_name: str,
    reference_files: list[tuple[str, Path]],
    pool_dir: Path,
    seed: int,
    device: str = "cpu",
) -> TrajectoryPool:
    """Write a pool to ``pool_dir`` and return its labels.

    Args:
        task_class: The task.
        task_name: The task reference the pool is recorded under.
        reference_files: ``(source, path)`` of recorded episode files of a reference-reward run, e.g.
            one per checkpoint, so the pool spans clumsy to solved behaviour.
        pool_dir: Receives ``pool.json`` and ``pool.npz``.
        seed: Seed of the probes' start states and random actions.
        device: Where the rollouts run.
    """
    solved = task_class.spec.fitness.solved_threshold
    parts: list[dict] = []
    labels: list[PoolTrajectory] = []

    def add(path: Path, kind: TrajectoryKind, source: str, probe: str | None = None) -> None:
        arrays = episode_arrays(path)
        parts.append(arrays)
        labels.extend(label_episodes(arrays, kind, source, solved, probe))

    for source, path in reference_files:
        add(path, "reference", source)
    with tempfile.TemporaryDirectory(prefix="rewardsmith-pool-") as scratch_name:
        scratch = Path(scratch_name)
        for name, policy in probe_policies(task_class(num_envs=1, device=device, seed=seed), seed).items():
            episodes = RANDOM_EPISODES if name == "random" else PROBE_EPISODES
            task = task_class(num_envs=episodes, device=device, seed=seed)
            path = scratch / f"{name.replace('/', '_')}.npz"
            rollout(task, policy, seed, path)
            kind: TrajectoryKind = "random" if name == "random" else "probe"
            # Random play is both a baseline of the pool and a probe: it must not pay like competence either.
            add(path, kind, name if kind == "random" else f"probe/{name}", name)
        early = early_termination_policy(task_class, PROBE_EPISODES, seed, device, scratch)
        if early is not None:
            policy, label = early
            task = task_class(num_envs=PROBE_EPISODES, device=device, seed=seed)
            rollout(task, policy, seed, scratch / "early_termination.npz")
            add(scratch / "early_termination.npz", "probe", f"probe/early_termination ({label})", "early_termination")
        pool = TrajectoryPool(task=task_name, trajectories=labels)
        save_pool(pool_dir, pool, merge_arrays(parts, task_class.spec.episode_length))
    return pool
