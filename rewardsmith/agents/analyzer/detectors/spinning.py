"""``spinning``: an angle (unit ``rad``) winds through several full turns in an episode."""

from __future__ import annotations

import math

import numpy as np

from rewardsmith.agents.analyzer.detectors.common import (
    MOST_EPISODES,
    RETURN_RISE,
    Observed,
    Recording,
    episode_count,
    measured,
    nearly_all,
    return_rise,
    solved,
    traces,
)
from rewardsmith.agents.types import Finding
from rewardsmith.tasks.spec import TaskSpec
from rewardsmith.training.result import TrainingResult

#: Net full turns in one episode from which an angle is spinning.
SPIN_TURNS = 3.0


def spinning(result: TrainingResult, kept: Recording | None, spec: TaskSpec) -> list[Finding]:
    """An angle winds through several full turns within an episode while the task is unsolved."""
    if kept is None or solved(result, spec):
        return []
    count = episode_count(kept)
    best: tuple[str, int, float, bool] | None = None  # (variable, episodes, mean turns, wrapped)
    for variable in spec.state_variables:
        key = f"state/{variable.name}"
        if variable.unit != "rad" or variable.shape != () or key not in kept:
            continue
        turns, wrapped = [], False
        for _, trace in traces(kept, variable.name):
            if len(trace) < 2:
                continue
            unwrapped = np.unwrap(trace)
            # A wrapped angle jumps by a turn at each wrap; its raw ends no longer tell the winding.
            wrapped |= bool(np.max(np.abs(unwrapped - trace)) > math.pi)
            turns.append(abs(float(unwrapped[-1] - unwrapped[0])) / (2 * math.pi))
        winding = [t for t in turns if t >= SPIN_TURNS]
        if count and len(winding) / count >= MOST_EPISODES and (best is None or len(winding) > best[1]):
            best = (variable.name, len(winding), float(np.mean(winding)), wrapped)
    if best is None:
        return []
    name, episodes, turns, wrapped = best
    rise = return_rise(result)
    strong = rise > RETURN_RISE and nearly_all(episodes, count)
    return [
        Finding(
            kind="spinning",
            severity="hacking" if strong else "warning",
            message=f"The kept policy spins: '{name}' winds through {turns:.1f} full turns per episode in {episodes} "
            f"of {count} recorded episodes while the task is unsolved. Stop rewarding speed or passing through a "
            "state (a height, an angle) that a spin visits every turn; penalise angular velocity near the target.",
            evidence=measured(
                variable=name, turns=turns, wrapped=int(wrapped), episodes=episodes, recorded=count, return_rise=rise
            ),
        )
    ]


def detect(seen: Observed) -> list[Finding]:
    return spinning(seen.result, seen.kept, seen.spec)
