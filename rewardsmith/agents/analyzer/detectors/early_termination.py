"""``early_termination_exploit``: episodes that end early without success earn as much designed return as
longer or successful ones, and the policy ends them early."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rewardsmith.agents.analyzer.detectors.common import (
    FITNESS_MOVES,
    MOST_EPISODES,
    RETURN_RISE,
    Observed,
    Recording,
    Severity,
    episode_successes,
    kept_recording,
    measured,
    nearly_all,
    solved,
)
from rewardsmith.agents.types import Finding
from rewardsmith.tasks.spec import TaskSpec
from rewardsmith.training.result import TrainingResult

#: An episode "ends early" at or below this share of the task's episode length.
EARLY = 0.5
#: A checkpoint's episodes "lasted longer" at this multiple of another's length.
LONGER = 1.5


def early_termination_exploit(
    result: TrainingResult, recordings: Mapping[int, Recording], spec: TaskSpec
) -> list[Finding]:
    """Episodes that end early without success pay as much as longer ones, and the policy ends them early.

    Two views: the recorded episodes of all checkpoints (early failures against the rest), and the
    checkpoint curves (the final policy's episodes are shorter and worse than an earlier
    checkpoint's, yet its return is not lower).
    """
    early_limit = EARLY * spec.episode_length
    pooled = _pooled_episodes(recordings, spec, early_limit)
    kept = kept_recording(result, recordings)
    kept_index = result.best_checkpoint if result.best_checkpoint in recordings else max(recordings, default=-1)
    kept_episodes = [e for e in pooled if e[0] == kept_index]
    early = [e for e in pooled if e[4]]
    rest = [e for e in pooled if not e[4]]
    values: dict[str, float | int | str] = {"early_limit": early_limit, "goal_flag": spec.goal_flag() or "none"}
    severity: Severity | None = None
    reasons = []
    if kept is not None and early and rest and kept_episodes and not solved(result, spec):
        kept_early = sum(1 for e in kept_episodes if e[4])
        early_return = float(np.mean([e[2] for e in early]))
        rest_return = float(np.mean([e[2] for e in rest]))
        early_fitness = float(np.mean([e[3] for e in early]))
        rest_fitness = float(np.mean([e[3] for e in rest]))
        if (
            kept_early / len(kept_episodes) >= MOST_EPISODES
            and early_return >= rest_return
            # Where every failure scores the same (a goal task's 0), a crash is still no better.
            and rest_fitness >= early_fitness
        ):
            strong = nearly_all(kept_early, len(kept_episodes))
            severity = "hacking" if strong else "warning"
            values |= {
                "early_episodes": kept_early,
                "recorded": len(kept_episodes),
                "early_length": float(np.mean([e[1] for e in early])),
                "early_return": early_return,
                "longer_return": rest_return,
                "early_fitness": early_fitness,
                "longer_fitness": rest_fitness,
            }
            reasons.append(
                f"{kept_early} of {len(kept_episodes)} of the kept policy's recorded episodes end by termination "
                f"within {early_limit:g} steps without success, and such episodes earn a designed return of "
                f"{early_return:.3g} against {rest_return:.3g} for the longer or successful ones"
            )
    curve = _shortened_final(result, spec, early_limit)
    if curve is not None:
        values |= curve
        rose = curve["final_return"] - curve["longer_return"] > RETURN_RISE * curve["return_scale"]
        curve_severity: Severity = "hacking" if rose else "warning"
        severity = "hacking" if "hacking" in (severity, curve_severity) else curve_severity
        reasons.append(
            f"the final checkpoint's episodes last {curve['final_length']:.3g} steps against "
            f"{curve['longer_length']:.3g} at checkpoint {int(curve['longer_checkpoint'])}, with less fitness "
            f"({curve['final_fitness']:.3g} against {curve['longer_fitness']:.3g}) but no less designed return "
            f"({curve['final_return']:.3g} against {curve['longer_return']:.3g})"
        )
    if severity is None:
        return []
    return [
        Finding(
            kind="early_termination_exploit",
            severity=severity,
            message="The policy ends episodes early instead of doing the task: "
            + "; ".join(reasons)
            + ". Make every step of a surviving episode worth more than ending it (no net per-step penalty "
            "that termination escapes), or penalise a failed ending by at least what the remaining steps earn.",
            evidence=measured(**values),
        )
    ]


def _pooled_episodes(
    recordings: Mapping[int, Recording], spec: TaskSpec, early_limit: float
) -> list[tuple[int, int, float, float, bool]]:
    """(checkpoint, length, designed return, fitness, ended early without success) of every recorded episode."""
    pooled = []
    for index, recording in recordings.items():
        if "length" not in recording or "reward_total" not in recording or "fitness" not in recording:
            continue
        successes = dict(episode_successes(recording, spec))
        for episode, length in enumerate(np.asarray(recording["length"]).astype(int).tolist()):
            designed = float(np.nansum(np.asarray(recording["reward_total"][episode][:length], dtype=np.float64)))
            # Truncation at the episode limit is not an ending the policy chose.
            early = length <= early_limit and length < spec.episode_length and not successes.get(episode, False)
            pooled.append((index, length, designed, float(recording["fitness"][episode]), early))
    return pooled


def _shortened_final(result: TrainingResult, spec: TaskSpec, early_limit: float) -> dict[str, float] | None:
    """The final checkpoint against an earlier one whose episodes lasted longer with more fitness."""
    checkpoints = result.checkpoints
    if len(checkpoints) < 2:
        return None
    final = checkpoints[-1]
    if final.eval_episode_length > early_limit:
        return None
    span = spec.fitness.high - spec.fitness.low
    longer = [
        c
        for c in checkpoints[:-1]
        if c.eval_episode_length >= LONGER * final.eval_episode_length
        and c.eval_fitness >= final.eval_fitness + FITNESS_MOVES * span
        and final.eval_return >= c.eval_return
    ]
    if not longer:
        return None
    # The longest-lasting such checkpoint is the plainest contrast.
    other = max(longer, key=lambda c: c.eval_episode_length)
    scale = max(abs(c.eval_return) for c in checkpoints) or 1e-8
    return {
        "final_length": final.eval_episode_length,
        "final_fitness": final.eval_fitness,
        "final_return": final.eval_return,
        "longer_checkpoint": float(other.index),
        "longer_length": other.eval_episode_length,
        "longer_fitness": other.eval_fitness,
        "longer_return": other.eval_return,
        "return_scale": scale,
    }


def detect(seen: Observed) -> list[Finding]:
    return early_termination_exploit(seen.result, seen.recordings, seen.spec)
