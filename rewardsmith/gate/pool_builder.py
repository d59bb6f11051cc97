"""Build a task's first trajectory pool: reference-run episodes, random play and the hack probes."""

from __future__ import annotations

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
from rewardsmith.tasks.instances import make_task
from rewardsmith.tasks.protocol import Task

#: Episodes of random play and of each probe; enough to see a probe's best case, few enough to be cheap.
PROBE_EPISODES = 4
RANDOM_EPISODES = 8


def reference_sources(checkpoint_episodes: list[tuple[int, Path]]) -> list[tuple[str, Path]]:
    """``(source, path)`` labels for a reference run's episode files, by checkpoint index."""
    return [(f"reference/checkpoint_{index:02d}", path) for index, path in checkpoint_episodes]


def build_pool(
    task_class: type[Task],
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
    # The largest batch first: a simulator allowed one instance per process keeps this one for every probe.
    first = make_task(task_class, num_envs=max(RANDOM_EPISODES, PROBE_EPISODES), device=device, seed=seed)
    with tempfile.TemporaryDirectory(prefix="rewardsmith-pool-") as scratch_name:
        scratch = Path(scratch_name)
        for name, policy in probe_policies(first, seed).items():
            episodes = RANDOM_EPISODES if name == "random" else PROBE_EPISODES
            task = make_task(task_class, num_envs=episodes, device=device, seed=seed)
            path = scratch / f"{name.replace('/', '_')}.npz"
            rollout(task, policy, seed, path)
            kind: TrajectoryKind = "random" if name == "random" else "probe"
            # Random play is both a baseline of the pool and a probe: it must not pay like competence either.
            add(path, kind, name if kind == "random" else f"probe/{name}", name)
        early = early_termination_policy(task_class, PROBE_EPISODES, seed, device, scratch)
        if early is not None:
            policy, label = early
            task = make_task(task_class, num_envs=PROBE_EPISODES, device=device, seed=seed)
            rollout(task, policy, seed, scratch / "early_termination.npz")
            add(scratch / "early_termination.npz", "probe", f"probe/early_termination ({label})", "early_termination")
        pool = TrajectoryPool(task=task_name, trajectories=labels)
        save_pool(pool_dir, pool, merge_arrays(parts, task_class.spec.episode_length))
    return pool
