"""What every hacking detector reads, and the measurements several of them share.

A detector is a module of this package with a ``detect(seen: Observed) -> list[Finding]`` function,
registered by one line in :data:`rewardsmith.agents.analyzer.detectors.DETECTORS`; the kinds it may
raise are in :mod:`rewardsmith.gate.exploits`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from rewardsmith.agents.types import EvidenceValue
from rewardsmith.gate.evidence import PoolEvidence
from rewardsmith.rewards.rubric import load_episodes
from rewardsmith.tasks.spec import BoxSpace, TaskSpec
from rewardsmith.training.result import TrainingResult

#: One checkpoint's recorded evaluation episodes, keyed as in the ``.npz`` file.
Recording = Mapping[str, np.ndarray]
Severity = Literal["warning", "hacking"]

#: The fitness "moves" when its spread over checkpoints is at least this share of its range.
FITNESS_MOVES = 0.1
#: The return "rose" when the kept checkpoint's exceeds the first one's by this share of its magnitude.
RETURN_RISE = 0.1
#: A behaviour is the policy's when it is in at least this share of the kept episodes ...
MOST_EPISODES = 0.5
#: ... and strong evidence when in at least this share of at least MIN_EPISODES of them.
NEARLY_ALL_EPISODES = 0.75
MIN_EPISODES = 2


@dataclass(frozen=True)
class Observed:
    """One trained candidate as the detectors see it."""

    result: TrainingResult
    recordings: Mapping[int, Recording]
    spec: TaskSpec
    #: The evidence outside the policy (the pool's competent trajectories scored by its reward, random
    #: play, the reference run); None where the run had no pool.
    pool: PoolEvidence | None = None

    @property
    def kept(self) -> Recording | None:
        """The kept policy's recording."""
        return kept_recording(self.result, self.recordings)

    @property
    def final(self) -> Recording | None:
        """The last checkpoint's recording: what training taught, where the kept policy may predate it.

        A run whose fitness never left the floor keeps its first checkpoint (the first of equal
        fitness), before PPO learnt anything; what the reward paid for is in the last one.
        """
        return self.recordings[max(self.recordings)] if self.recordings else None


def load_recordings(result: TrainingResult, run_dir: Path) -> dict[int, dict[str, np.ndarray]]:
    """The recorded evaluation episodes of every checkpoint that has a file under ``run_dir``."""
    recordings = {}
    for checkpoint in result.checkpoints:
        if checkpoint.episode_file is not None and (run_dir / checkpoint.episode_file).is_file():
            recordings[checkpoint.index] = load_episodes(run_dir / checkpoint.episode_file)
    return recordings


def kept_recording(result: TrainingResult, recordings: Mapping[int, Recording]) -> Recording | None:
    """The kept policy's recording: the best checkpoint's, else the latest one's as a stand-in."""
    if result.best_checkpoint in recordings:
        return recordings[result.best_checkpoint]
    return recordings[max(recordings)] if recordings else None


def solved(result: TrainingResult, spec: TaskSpec) -> bool:
    return result.fitness >= spec.fitness.solved_threshold


def nearly_all(episodes: int, recorded: int) -> bool:
    return recorded >= MIN_EPISODES and episodes / recorded >= NEARLY_ALL_EPISODES


def episode_count(recording: Recording) -> int:
    return len(np.asarray(recording["length"])) if "length" in recording else 0


def traces(recording: Recording, name: str) -> list[tuple[int, np.ndarray]]:
    """Each episode's valid steps of ``state/<name>``, as float64 ``[length, *shape]``."""
    key = f"state/{name}"
    if key not in recording or "length" not in recording:
        return []
    return [
        (episode, np.asarray(recording[key][episode][:length], dtype=np.float64))
        for episode, length in enumerate(np.asarray(recording["length"]).astype(int).tolist())
    ]


def norms(trace: np.ndarray) -> np.ndarray:
    return np.abs(trace) if trace.ndim == 1 else np.linalg.norm(trace.reshape(len(trace), -1), axis=1)


def magnitude(value: np.ndarray) -> float:
    array = np.asarray(value, dtype=np.float64)
    return float(array) if array.ndim == 0 else float(np.linalg.norm(array))


def action_range(spec: TaskSpec) -> float:
    space = spec.action_space
    if isinstance(space, BoxSpace):
        return space.high - space.low
    return (max(space.values) - min(space.values)) or 1.0


def unit_of(spec: TaskSpec, name: str) -> str | None:
    return next((v.unit for v in spec.state_variables if v.name == name), None)


def episode_successes(recording: Recording, spec: TaskSpec) -> list[tuple[int, bool]]:
    """Whether each episode succeeded: its goal flag set, or without a flag its fitness solved."""
    flag = spec.goal_flag()
    fitness = np.asarray(recording.get("fitness", []), dtype=np.float64)
    out = []
    for episode, length in enumerate(np.asarray(recording["length"]).astype(int).tolist()):
        if flag is not None and f"state/{flag}" in recording:
            trace = np.asarray(recording[f"state/{flag}"][episode][:length], dtype=np.float64)
            out.append((episode, bool(np.nan_to_num(trace).any())))
        else:
            out.append((episode, bool(episode < len(fitness) and fitness[episode] >= spec.fitness.solved_threshold)))
    return out


def episode_returns(recording: Recording) -> list[float]:
    """Each recorded episode's designed return: its reward summed over its valid steps."""
    if "reward_total" not in recording or "length" not in recording:
        return []
    return [
        float(np.nansum(np.asarray(recording["reward_total"][episode][:length], dtype=np.float64)))
        for episode, length in enumerate(np.asarray(recording["length"]).astype(int).tolist())
    ]


def return_rise(result: TrainingResult) -> float:
    """How much the kept checkpoint's designed return exceeds the first one's, as a share of its magnitude."""
    returns = [c.eval_return for c in result.checkpoints]
    if len(returns) < 2 or not all(math.isfinite(r) for r in returns):
        return 0.0
    kept = next((i for i, c in enumerate(result.checkpoints) if c.index == result.best_checkpoint), len(returns) - 1)
    scale = max(max(abs(r) for r in returns), 1e-8)
    return (returns[kept] - returns[0]) / scale


def measured(**values: float | int | str) -> dict[str, EvidenceValue]:
    # numpy scalars become Python numbers, which the finding's model and its JSON take as they are.
    return {key: value.item() if isinstance(value, np.generic) else value for key, value in values.items()}
