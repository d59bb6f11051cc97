"""``oscillation``: the action or a position-like variable (unit ``m`` or ``rad``) turns back and forth
at a high rate."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from rewardsmith.agents.analyzer.detectors.common import (
    MOST_EPISODES,
    RETURN_RISE,
    Observed,
    Recording,
    action_range,
    episode_count,
    measured,
    nearly_all,
    return_rise,
    solved,
    traces,
    unit_of,
)
from rewardsmith.agents.designer.reward_terms import typical_scale
from rewardsmith.agents.types import Finding
from rewardsmith.rewards.rubric import CHECK_FUNCTIONS
from rewardsmith.tasks.spec import StateVariable, TaskSpec
from rewardsmith.training.result import TrainingResult

#: A turn of the action counts once it retreats by this share of the action's range.
ACTION_SWING = 0.25
#: Turns per step from which the action chatters back and forth.
ACTION_REVERSALS = 0.5
#: A turn of a position-like variable counts once it retreats by this share of its typical scale.
STATE_SWING = 0.25
#: Turns per step from which a position-like variable shakes (a period of ten steps or less).
STATE_REVERSALS = 0.2
_POSITION_UNITS = ("m", "rad")


def oscillation(result: TrainingResult, kept: Recording | None, spec: TaskSpec) -> list[Finding]:
    """The action, or a position-like variable, turns back and forth at a high rate.

    A turn counts once the trace retreats from its last extreme by a swing (a share of the action's
    range, or of the variable's typical scale), so that the small corrections of a policy holding
    still are not mistaken for back-and-forth motion.
    """
    if kept is None or solved(result, spec):
        return []
    count = episode_count(kept)
    candidates: list[tuple[str, float, float, bool]] = []  # (variable, swing, threshold, is_state)
    if "state/action" in kept:
        candidates.append(("action", ACTION_SWING * action_range(spec), ACTION_REVERSALS, False))
    for variable in _position_like(spec, kept):
        scale, _ = typical_scale(variable)
        candidates.append((variable.name, STATE_SWING * scale, STATE_REVERSALS, True))
    hits: list[tuple[str, float, int, bool, float]] = []  # (variable, mean rate, episodes, is_state, swing)
    for name, swing, threshold, is_state in candidates:
        unwrap = unit_of(spec, name) == "rad"
        rates = [_turn_rate(trace, swing, unwrap=unwrap) for _, trace in traces(kept, name)]
        shaking = [rate for rate in rates if rate >= threshold]
        if count and len(shaking) / count >= MOST_EPISODES:
            hits.append((name, float(np.mean(shaking)), len(shaking), is_state, swing))
    if not hits:
        return []
    # A moving body is stronger evidence than a chattering actuator; name it first.
    hits.sort(key=lambda hit: (not hit[3], -hit[1]))
    name, rate, episodes, is_state, swing = hits[0]
    rise = return_rise(result)
    strong = is_state and rise > RETURN_RISE and nearly_all(episodes, count)
    exact = _mean_over_episodes(kept, name, CHECK_FUNCTIONS["reversals"])
    step = _mean_over_episodes(kept, name, lambda trace: np.mean(np.abs(np.diff(trace, axis=0))))
    what = "the action" if name == "action" else f"'{name}'"
    others = ", ".join(hit[0] for hit in hits[1:])
    return [
        Finding(
            kind="oscillation",
            severity="hacking" if strong else "warning",
            message=f"The kept policy drives {what} back and forth, turning in {rate:.0%} of steps in {episodes} of "
            f"{count} recorded episodes{f' (also {others})' if others else ''}, while the task is unsolved. "
            "Stop paying for motion itself (speed, effort or distance travelled) and for states the "
            "back-and-forth passes through; reward progress or holding still at the target instead.",
            evidence=measured(
                variable=name,
                turn_rate=rate,
                swing=swing,
                reversals=exact,
                mean_step=step,
                episodes=episodes,
                recorded=count,
                return_rise=rise,
            ),
        )
    ]


def _position_like(spec: TaskSpec, recording: Recording) -> list[StateVariable]:
    # Earlier-step copies repeat their variable; flags are not motion.
    return [
        v
        for v in spec.state_variables
        if v.unit in _POSITION_UNITS
        and v.dtype in ("float32", "float64")
        and not v.name.startswith("previous_")
        and f"state/{v.name}" in recording
    ]


def _turn_rate(trace: np.ndarray, swing: float, *, unwrap: bool) -> float:
    """Turns per step of the busiest element, a turn counting once the trace retreats by ``swing``."""
    if len(trace) < 3:
        return 0.0
    columns = trace.reshape(len(trace), -1)
    if unwrap:
        columns = np.unwrap(columns, axis=0)
    return max(_turns(columns[:, i], swing) for i in range(columns.shape[1])) / (len(trace) - 2)


def _turns(trace: np.ndarray, swing: float) -> int:
    """Direction reversals of a 1-D trace, with ``swing`` of hysteresis (a zigzag count)."""
    direction, extreme, turns = 0, float(trace[0]), 0
    for value in trace[1:].tolist():
        if direction == 0:
            if abs(value - extreme) >= swing:
                direction = 1 if value > extreme else -1
                extreme = value
        elif (value - extreme) * direction > 0:
            extreme = value
        elif abs(value - extreme) >= swing:
            turns += 1
            direction = -direction
            extreme = value
    return turns


def _mean_over_episodes(recording: Recording, name: str, statistic: Callable[[np.ndarray], object]) -> float:
    values = []
    for _, trace in traces(recording, name):
        if len(trace) >= 3:
            with np.errstate(all="ignore"):
                values.append(float(np.asarray(statistic(trace), dtype=np.float64)))
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def detect(seen: Observed) -> list[Finding]:
    return oscillation(seen.result, seen.kept, seen.spec)
