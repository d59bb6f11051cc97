"""The gate's trajectory pool: whole episodes labelled with their true task fitness.

The pool starts from a reference-reward training run (its recorded evaluation episodes at every
checkpoint, from clumsy to solved), random play and the scripted hack probes
(:mod:`rewardsmith.gate.probes`), and grows with episodes of every trained candidate's policy.
A candidate reward is scored by summing it over each trajectory's recorded states; the gate
(:mod:`rewardsmith.gate.judge`) then asks whether those returns rank the trajectories as the
fitness does.

On disk a pool is a directory with ``pool.json`` (a :class:`TrajectoryPool`: one label per
trajectory) and ``pool.npz`` (``state/<variable>`` arrays of shape ``[trajectories, T, *shape]``, NaN
after each trajectory's ``length``, and ``length``). Scoring runs candidate code, so it happens in
the sandbox's verify job, which receives ``pool.npz`` in its job directory.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.tasks.instances import make_task
from rewardsmith.tasks.protocol import Task
from rewardsmith.training.rewards import RewardFn, call_reward

POOL_MANIFEST = "pool.json"
POOL_ARRAYS = "pool.npz"
#: Rows per reward call when scoring: all trajectories' steps are batched, a chunk at a time.
SCORE_CHUNK = 8192
#: Episodes a trained candidate adds to the pool; a few per policy keep the pool balanced.
TRAINED_EPISODES = 4

TrajectoryKind = Literal["reference", "random", "probe", "trained"]


class PoolTrajectory(BaseModel):
    """One labelled episode of the pool."""

    model_config = ConfigDict(frozen=True)

    source: str = Field(description="Where it came from, e.g. 'reference/checkpoint_03#1' or 'probe/jitter#0'.")
    kind: TrajectoryKind
    probe: str | None = Field(default=None, description="The probe's name, for probe trajectories.")
    fitness: float = Field(description="The task fitness of the episode.")
    success: bool = Field(description="Fitness at or above the task's solved threshold.")
    length: int = Field(ge=1, description="Steps in the episode.")


class TrajectoryPool(BaseModel):
    """The labels of a pool's trajectories, in the order of its arrays."""

    task: str
    version: int = Field(default=1, ge=1, description="Bumped whenever trajectories are added.")
    trajectories: list[PoolTrajectory] = Field(default_factory=list)


class PoolScores(BaseModel):
    """A candidate reward summed over each pool trajectory (the verify job's answer)."""

    model_config = ConfigDict(ser_json_inf_nan="constants")

    returns: list[float] = Field(description="Undiscounted return of each trajectory, in pool order.")
    components: dict[str, list[float]] = Field(default_factory=dict, description="Each component's sum, likewise.")


def episode_arrays(path: Path) -> dict[str, np.ndarray]:
    """The ``state/*``, ``length`` and ``fitness`` arrays of a recorded episode file."""
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files if key.startswith("state/") or key in ("length", "fitness")}


def label_episodes(
    arrays: dict[str, np.ndarray], kind: TrajectoryKind, source: str, solved_threshold: float, probe: str | None = None
) -> list[PoolTrajectory]:
    """One label per episode of a recorded file, ``source#i`` naming the i-th."""
    return [
        PoolTrajectory(
            source=f"{source}#{index}",
            kind=kind,
            probe=probe,
            fitness=float(fitness),
            success=bool(fitness >= solved_threshold),
            length=int(length),
        )
        for index, (length, fitness) in enumerate(zip(arrays["length"], arrays["fitness"], strict=True))
    ]


def merge_arrays(parts: list[dict[str, np.ndarray]], horizon: int) -> dict[str, np.ndarray]:
    """Stack episode files into one ``[trajectories, horizon, ...]`` set, NaN-padded; only shared variables."""
    names = sorted(set.intersection(*(set(k for k in part if k.startswith("state/")) for part in parts)))
    merged: dict[str, np.ndarray] = {}
    for name in names:
        padded = []
        for part in parts:
            array = part[name].astype(np.float32)
            missing = horizon - array.shape[1]
            if missing > 0:
                pad = np.full((array.shape[0], missing, *array.shape[2:]), np.nan, dtype=np.float32)
                array = np.concatenate([array, pad], axis=1)
            padded.append(array[:, :horizon])
        merged[name] = np.concatenate(padded)
    merged["length"] = np.concatenate([part["length"].astype(np.int64) for part in parts])
    return merged


def save_pool(pool_dir: Path, pool: TrajectoryPool, arrays: dict[str, np.ndarray]) -> None:
    """Write both files, arrays first, each through a rename: a reader never sees half a pool."""
    pool_dir.mkdir(parents=True, exist_ok=True)
    if len(pool.trajectories) != len(arrays["length"]):
        raise ValueError(f"{len(pool.trajectories)} labels for {len(arrays['length'])} trajectories")
    staging = pool_dir / f".{POOL_ARRAYS}.tmp.npz"
    np.savez_compressed(staging, **arrays)
    staging.replace(pool_dir / POOL_ARRAYS)
    staging_manifest = pool_dir / f".{POOL_MANIFEST}.tmp"
    staging_manifest.write_text(pool.model_dump_json(indent=1))
    staging_manifest.replace(pool_dir / POOL_MANIFEST)


def load_pool(pool_dir: Path) -> tuple[TrajectoryPool, dict[str, np.ndarray]]:
    """Read a pool written by :func:`save_pool`."""
    pool = TrajectoryPool.model_validate_json((pool_dir / POOL_MANIFEST).read_text())
    with np.load(pool_dir / POOL_ARRAYS, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    return pool, arrays


def add_episodes(
    pool_dir: Path, episode_file: Path, kind: TrajectoryKind, source: str, solved_threshold: float, horizon: int
) -> TrajectoryPool:
    """Append up to :data:`TRAINED_EPISODES` episodes of ``episode_file`` to the pool; returns its new labels.

    Adding the same ``source`` twice is a no-op, so a resumed run does not duplicate a policy.
    """
    pool, arrays = load_pool(pool_dir)
    if any(t.source.startswith(f"{source}#") for t in pool.trajectories):
        return pool
    episodes = episode_arrays(episode_file)
    keep = min(TRAINED_EPISODES, len(episodes["length"]))
    episodes = {key: value[:keep] for key, value in episodes.items()}
    labels = label_episodes(episodes, kind, source, solved_threshold)
    merged = merge_arrays([arrays, episodes], horizon)
    grown = pool.model_copy(update={"version": pool.version + 1, "trajectories": [*pool.trajectories, *labels]})
    save_pool(pool_dir, grown, merged)
    return grown


def score_pool(reward: RewardFn, task_class: type[Task], arrays: dict[str, np.ndarray], device: str) -> PoolScores:
    """Sum ``reward`` over every trajectory's recorded states, all steps batched a chunk at a time.

    The reward sees each recorded state with the dtype the task gives that variable, exactly as in
    training (the state after each step). Trajectories it cannot score (a variable missing from the
    pool) or where it returns non-finite values get a NaN return, which the gate reports.

    Raises:
        TrainingError: The reward raised or broke the contract on the pool's states.
    """
    task = make_task(task_class, num_envs=1, device=device)
    lengths = arrays["length"].astype(np.int64)
    count = len(lengths)
    wanted = getattr(reward, "parameters", None) or [k.removeprefix("state/") for k in arrays if k.startswith("state/")]
    missing = [name for name in wanted if f"state/{name}" not in arrays]
    if missing:
        nan = [math.nan] * count
        return PoolScores(returns=nan)
    # Row i of the flat batch is step s of trajectory t, for every valid step.
    owner = np.repeat(np.arange(count), lengths)
    steps = np.concatenate([np.arange(length) for length in lengths]) if count else np.zeros(0, dtype=np.int64)
    returns = torch.zeros(count, dtype=torch.float64)
    components: dict[str, torch.Tensor] = {}
    owner_tensor = torch.from_numpy(owner)
    for start in range(0, len(owner), SCORE_CHUNK):
        rows = slice(start, start + SCORE_CHUNK)
        state = {
            name: torch.from_numpy(arrays[f"state/{name}"][owner[rows], steps[rows]]).to(
                device=device, dtype=task.state_dtype(name)
            )
            for name in wanted
        }
        size = len(owner[rows])
        total, parts = call_reward(reward, state, size, step=start)
        index = owner_tensor[rows]
        returns.index_add_(0, index, total.detach().to("cpu", torch.float64))
        for name, value in parts.items():
            running = components.setdefault(name, torch.zeros(count, dtype=torch.float64))
            running.index_add_(0, index, value.detach().to("cpu", torch.float64))
    return PoolScores(
        returns=[float(v) if math.isfinite(v) else math.nan for v in returns.tolist()],
        components={name: value.tolist() for name, value in components.items()},
    )
