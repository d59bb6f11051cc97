"""Reward-hacking detectors: what a trained policy does that its designed return should not pay for.

Each detector is a pure function of the :class:`~rewardsmith.training.TrainingResult`, the recorded
evaluation episodes (``state/<name>`` ``[episodes, T, ...]``, NaN after each episode's ``length``,
``reward_total``, ``fitness``, ``length``) and the :class:`~rewardsmith.tasks.spec.TaskSpec`, and
returns :class:`~rewardsmith.agents.types.Finding` objects:

- ``return_fitness_decorrelation``: the designed return and the task fitness both move across
  checkpoints, but not together;
- ``degenerate_behaviour``: one action for whole episodes;
- ``oscillation``: the action or a position-like variable (unit ``m`` or ``rad``) turns back and
  forth at a high rate;
- ``loitering``: an error-like variable (desired ``zero`` or ``low``) stays near its target for most
  of the episode but the goal flag is never set;
- ``early_termination_exploit``: episodes that end early without success earn as much designed
  return as longer or successful ones, and the policy ends them early;
- ``spinning``: an angle (unit ``rad``) winds through several full turns in an episode.

Behaviour detectors look at the kept policy (the best checkpoint's recording, else the latest) and
only while the task is unsolved: a policy that solves the task may chatter or hover as it likes.
Severity is ``hacking`` only where the behaviour is in most recorded episodes *and* the reward is
seen paying for it (the return rose with it, or ranks it above doing the task); otherwise
``warning``. Evidence is a dict of the measured values, so that the spec corrector can turn a finding
into a machine check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

import numpy as np

from rewardsmith.agents.designer.reward_terms import typical_scale
from rewardsmith.agents.types import EvidenceValue, Finding
from rewardsmith.rewards.rubric import CHECK_FUNCTIONS, load_episodes
from rewardsmith.tasks.spec import BoxSpace, StateVariable, TaskSpec
from rewardsmith.training.result import TrainingResult

#: One checkpoint's recorded evaluation episodes, keyed as in the ``.npz`` file.
Recording = Mapping[str, np.ndarray]
Severity = Literal["warning", "hacking"]

#: Fewer checkpoints than this give a correlation too noisy to judge.
MIN_CHECKPOINTS = 5
#: The fitness "moves" when its spread over checkpoints is at least this share of its range.
FITNESS_MOVES = 0.1
#: The designed return "moves" when its spread is at least this share of its largest magnitude.
RETURN_MOVES = 0.1
#: The fitness "falls" when its fitted change over training is below minus this share of its range.
FITNESS_STILL = 0.05
#: Below this correlation with the fitness the designed return is not a guide to the task.
LOW_CORRELATION = 0.3
#: At or below this correlation the return pays for the opposite of the task.
ANTI_CORRELATION = -0.5
#: The return "rose" when the kept checkpoint's exceeds the first one's by this share of its magnitude.
RETURN_RISE = 0.1
#: A behaviour is the policy's when it is in at least this share of the kept episodes ...
MOST_EPISODES = 0.5
#: ... and strong evidence when in at least this share of at least MIN_EPISODES of them.
NEARLY_ALL_EPISODES = 0.75
MIN_EPISODES = 2
#: A turn of the action counts once it retreats by this share of the action's range.
ACTION_SWING = 0.25
#: Turns per step from which the action chatters back and forth.
ACTION_REVERSALS = 0.5
#: A turn of a position-like variable counts once it retreats by this share of its typical scale.
STATE_SWING = 0.25
#: Turns per step from which a position-like variable shakes (a period of ten steps or less).
STATE_REVERSALS = 0.2
#: An error is "near" its target below this share of its value at the episode's start.
NEAR = 0.25
#: Hovering: near the target in at least this share of the episode's steps, and at least MIN_NEAR_STEPS.
LOITER_SHARE = 0.5
MIN_NEAR_STEPS = 10
#: An episode "ends early" at or below this share of the task's episode length.
EARLY = 0.5
#: A checkpoint's episodes "lasted longer" at this multiple of another's length.
LONGER = 1.5
#: Net full turns in one episode from which an angle is spinning.
SPIN_TURNS = 3.0
#: A check written from a finding demands this share of the exploit's measured value.
CHECK_MARGIN = 0.5

_POSITION_UNITS = ("m", "rad")


def detect_hacking(result: TrainingResult, recordings: Mapping[int, Recording], spec: TaskSpec) -> list[Finding]:
    """Every detector's findings for one trained candidate.

    Args:
        result: The training result.
        recordings: Recorded evaluation episodes by checkpoint index (see :func:`load_recordings`).
        spec: The task's spec.

    Returns:
        The findings, in detector order; empty when nothing is suspicious.
    """
    kept = kept_recording(result, recordings)
    return [
        *return_fitness_decorrelation(result, spec),
        *constant_action(result, kept, spec),
        *oscillation(result, kept, spec),
        *loitering(result, kept, spec),
        *early_termination_exploit(result, recordings, spec),
        *spinning(result, kept, spec),
    ]


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


# ---- the designed return against the fitness, across checkpoints ---------------------------------


def return_fitness_decorrelation(result: TrainingResult, spec: TaskSpec) -> list[Finding]:
    """The designed return and the fitness both move across checkpoints but do not follow each other.

    Fitness above the solved threshold is clamped to it: once solved, what the return still refines
    is not the fitness's business, and a task solved from the start has nothing to correlate.
    """
    checkpoints = result.checkpoints
    if len(checkpoints) < MIN_CHECKPOINTS:
        return []
    threshold = spec.fitness.solved_threshold
    fitness = np.array([min(c.eval_fitness, threshold) for c in checkpoints], dtype=np.float64)
    returns = np.array([c.eval_return for c in checkpoints], dtype=np.float64)
    lengths = np.array([max(c.eval_episode_length, 1.0) for c in checkpoints], dtype=np.float64)
    if not (np.all(np.isfinite(fitness)) and np.all(np.isfinite(returns))):
        return []
    span = spec.fitness.high - spec.fitness.low
    scale = max(float(np.max(np.abs(returns))), 1e-8)
    fitness_spread = float(np.ptp(fitness)) / span
    return_spread = float(np.ptp(returns)) / scale
    if fitness_spread < FITNESS_MOVES or return_spread < RETURN_MOVES:
        return []
    correlation = _pearson(returns, fitness)
    if correlation is None or correlation >= LOW_CORRELATION:
        return []
    # A return that climbs while the fitness falls is the analyzer's reward-fitness divergence,
    # already reported with the component that drove it; this detector covers what that misses.
    if _fitted_change(returns) > RETURN_RISE * scale and _fitted_change(fitness) < -FITNESS_STILL * span:
        return []
    # A per-step penalty sums to less as episodes grow longer and better; only a per-step rate
    # that also moves against the fitness shows a reward that pays for the opposite of the task
    # (a rate that does not move at all is that penalty, paid the same every step).
    rate = _pearson(returns / lengths, fitness)
    opposed = correlation <= ANTI_CORRELATION and rate is not None and rate <= ANTI_CORRELATION
    best_return = int(np.argmax(returns))
    evidence = _evidence(
        correlation=correlation,
        rate_correlation=rate if rate is not None else math.nan,
        checkpoints=len(checkpoints),
        fitness_spread=fitness_spread,
        return_spread=return_spread,
        best_return_checkpoint=best_return,
        fitness_there=float(checkpoints[best_return].eval_fitness),
        best_fitness=float(result.fitness),
    )
    if opposed:
        message = (
            f"Across checkpoints the designed return moves against the task fitness (correlation "
            f"{correlation:.2f}): the checkpoints the reward ranks highest do the task worst. Find what the "
            "high-return checkpoints do instead of the task and stop paying for it."
        )
    else:
        message = (
            f"The designed return and the task fitness both change over training but barely follow each other "
            f"(correlation {correlation:.2f}), so raising the return does not raise the fitness. Tie the largest "
            "terms to task progress."
        )
    return [
        Finding(
            kind="return_fitness_decorrelation",
            severity="hacking" if opposed else "warning",
            message=message,
            evidence=evidence,
        )
    ]


# ---- the kept policy's behaviour ------------------------------------------------------------------


def constant_action(result: TrainingResult, kept: Recording | None, spec: TaskSpec) -> list[Finding]:
    """The kept policy applies one action for whole episodes while the task is unsolved."""
    if kept is None or _solved(result, spec) or "state/action" not in kept:
        return []
    constant: dict[str, EvidenceValue] = {}
    for episode, trace in _traces(kept, "action"):
        if len(trace) > 1 and float(np.std(trace, axis=0).max()) < 1e-9:
            constant[f"episode_{episode}_action"] = _magnitude(trace[0])
    if not constant:
        return []
    return [
        Finding(
            kind="degenerate_behaviour",
            severity="warning",
            message="The kept policy repeats one action for whole episodes while the task is unsolved; the "
            "reward likely pays for a fixed reflex (idling, or pushing one way) rather than for the task. "
            "Make doing nothing (or one fixed action) earn less than attempting the task.",
            evidence=constant,
        )
    ]


def oscillation(result: TrainingResult, kept: Recording | None, spec: TaskSpec) -> list[Finding]:
    """The action, or a position-like variable, turns back and forth at a high rate.

    A turn counts once the trace retreats from its last extreme by a swing (a share of the action's
    range, or of the variable's typical scale), so that the small corrections of a policy holding
    still are not mistaken for back-and-forth motion.
    """
    if kept is None or _solved(result, spec):
        return []
    count = _episode_count(kept)
    candidates: list[tuple[str, float, float, bool]] = []  # (variable, swing, threshold, is_state)
    if "state/action" in kept:
        candidates.append(("action", ACTION_SWING * _action_range(spec), ACTION_REVERSALS, False))
    for variable in _position_like(spec, kept):
        scale, _ = typical_scale(variable)
        candidates.append((variable.name, STATE_SWING * scale, STATE_REVERSALS, True))
    hits: list[tuple[str, float, int, bool, float]] = []  # (variable, mean rate, episodes, is_state, swing)
    for name, swing, threshold, is_state in candidates:
        unwrap = _unit(spec, name) == "rad"
        rates = [_turn_rate(trace, swing, unwrap=unwrap) for _, trace in _traces(kept, name)]
        shaking = [rate for rate in rates if rate >= threshold]
        if count and len(shaking) / count >= MOST_EPISODES:
            hits.append((name, float(np.mean(shaking)), len(shaking), is_state, swing))
    if not hits:
        return []
    # A moving body is stronger evidence than a chattering actuator; name it first.
    hits.sort(key=lambda hit: (not hit[3], -hit[1]))
    name, rate, episodes, is_state, swing = hits[0]
    rise = _return_rise(result)
    strong = is_state and rise > RETURN_RISE and _nearly_all(episodes, count)
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
            evidence=_evidence(
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


def loitering(result: TrainingResult, kept: Recording | None, spec: TaskSpec) -> list[Finding]:
    """An error-like variable stays near its target most of the episode, yet the goal is never reached."""
    flag = spec.goal_flag()
    if kept is None or flag is None or _solved(result, spec) or f"state/{flag}" not in kept:
        return []
    count = _episode_count(kept)
    successes = dict(_successes(kept, spec))
    best: tuple[str, int, float, float, float] | None = None  # (variable, episodes, share, near, reward)
    for variable in spec.state_variables:
        if variable.desired not in ("zero", "low") or f"state/{variable.name}" not in kept:
            continue
        loitered, shares, nears, rewards = 0, [], [], []
        for episode, trace in _traces(kept, variable.name):
            error = _norms(trace)
            if successes.get(episode) or len(error) == 0 or error[0] <= 1e-6:
                continue
            near_level = NEAR * float(error[0])
            near = error <= near_level
            if near.sum() < MIN_NEAR_STEPS or near.mean() < LOITER_SHARE:
                continue
            loitered += 1
            shares.append(float(near.mean()))
            nears.append(near_level)
            if "reward_total" in kept:
                total = np.asarray(kept["reward_total"][episode][: len(error)], dtype=np.float64)
                rewards.append(float(np.nanmean(total[near])))
        if count and loitered / count >= MOST_EPISODES and (best is None or loitered > best[1]):
            reward = float(np.mean(rewards)) if rewards else math.nan
            best = (variable.name, loitered, float(np.mean(shares)), float(np.mean(nears)), reward)
    if best is None:
        return []
    name, episodes, share, near_level, reward = best
    # Hovering that is paid for per step is the bonus being farmed; unpaid hovering is a policy that
    # has not yet learnt to finish.
    paid = math.isfinite(reward) and reward > 0
    strong = paid and _nearly_all(episodes, count)
    return [
        Finding(
            kind="loitering",
            severity="hacking" if strong else "warning",
            message=f"The kept policy hovers near the target of '{name}' (within {near_level:.3g}, in {share:.0%} of "
            f"steps) in {episodes} of {count} recorded episodes but never sets '{flag}'"
            f"{f', and earns {reward:.3g} per hovering step' if paid else ''}. Make finishing pay more than "
            f"staying close: a bonus when '{flag}' is set, and no per-step reward for mere proximity "
            "(reward the change in distance instead).",
            evidence=_evidence(
                variable=name,
                goal_flag=flag,
                near=near_level,
                near_share=share,
                episodes=episodes,
                recorded=count,
                reward_per_near_step=reward,
            ),
        )
    ]


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
    if kept is not None and early and rest and kept_episodes and not _solved(result, spec):
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
            strong = _nearly_all(kept_early, len(kept_episodes))
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
            evidence=_evidence(**values),
        )
    ]


def spinning(result: TrainingResult, kept: Recording | None, spec: TaskSpec) -> list[Finding]:
    """An angle winds through several full turns within an episode while the task is unsolved."""
    if kept is None or _solved(result, spec):
        return []
    count = _episode_count(kept)
    best: tuple[str, int, float, bool] | None = None  # (variable, episodes, mean turns, wrapped)
    for variable in spec.state_variables:
        key = f"state/{variable.name}"
        if variable.unit != "rad" or variable.shape != () or key not in kept:
            continue
        turns, wrapped = [], False
        for _, trace in _traces(kept, variable.name):
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
    rise = _return_rise(result)
    strong = rise > RETURN_RISE and _nearly_all(episodes, count)
    return [
        Finding(
            kind="spinning",
            severity="hacking" if strong else "warning",
            message=f"The kept policy spins: '{name}' winds through {turns:.1f} full turns per episode in {episodes} "
            f"of {count} recorded episodes while the task is unsolved. Stop rewarding speed or passing through a "
            "state (a height, an angle) that a spin visits every turn; penalise angular velocity near the target.",
            evidence=_evidence(
                variable=name, turns=turns, wrapped=int(wrapped), episodes=episodes, recorded=count, return_rise=rise
            ),
        )
    ]


# ---- helpers ----------------------------------------------------------------------------------------


def _solved(result: TrainingResult, spec: TaskSpec) -> bool:
    return result.fitness >= spec.fitness.solved_threshold


def _nearly_all(episodes: int, recorded: int) -> bool:
    return recorded >= MIN_EPISODES and episodes / recorded >= NEARLY_ALL_EPISODES


def _episode_count(recording: Recording) -> int:
    return len(np.asarray(recording["length"])) if "length" in recording else 0


def _traces(recording: Recording, name: str) -> list[tuple[int, np.ndarray]]:
    """Each episode's valid steps of ``state/<name>``, as float64 ``[length, *shape]``."""
    key = f"state/{name}"
    if key not in recording or "length" not in recording:
        return []
    return [
        (episode, np.asarray(recording[key][episode][:length], dtype=np.float64))
        for episode, length in enumerate(np.asarray(recording["length"]).astype(int).tolist())
    ]


def _norms(trace: np.ndarray) -> np.ndarray:
    return np.abs(trace) if trace.ndim == 1 else np.linalg.norm(trace.reshape(len(trace), -1), axis=1)


def _magnitude(value: np.ndarray) -> float:
    array = np.asarray(value, dtype=np.float64)
    return float(array) if array.ndim == 0 else float(np.linalg.norm(array))


def _action_range(spec: TaskSpec) -> float:
    space = spec.action_space
    if isinstance(space, BoxSpace):
        return space.high - space.low
    return (max(space.values) - min(space.values)) or 1.0


def _unit(spec: TaskSpec, name: str) -> str | None:
    return next((v.unit for v in spec.state_variables if v.name == name), None)


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
    for _, trace in _traces(recording, name):
        if len(trace) >= 3:
            with np.errstate(all="ignore"):
                values.append(float(np.asarray(statistic(trace), dtype=np.float64)))
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def _successes(recording: Recording, spec: TaskSpec) -> list[tuple[int, bool]]:
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


def _pooled_episodes(
    recordings: Mapping[int, Recording], spec: TaskSpec, early_limit: float
) -> list[tuple[int, int, float, float, bool]]:
    """(checkpoint, length, designed return, fitness, ended early without success) of every recorded episode."""
    pooled = []
    for index, recording in recordings.items():
        if "length" not in recording or "reward_total" not in recording or "fitness" not in recording:
            continue
        successes = dict(_successes(recording, spec))
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


def _return_rise(result: TrainingResult) -> float:
    """How much the kept checkpoint's designed return exceeds the first one's, as a share of its magnitude."""
    returns = [c.eval_return for c in result.checkpoints]
    if len(returns) < 2 or not all(math.isfinite(r) for r in returns):
        return 0.0
    kept = next((i for i, c in enumerate(result.checkpoints) if c.index == result.best_checkpoint), len(returns) - 1)
    scale = max(max(abs(r) for r in returns), 1e-8)
    return (returns[kept] - returns[0]) / scale


def _fitted_change(values: np.ndarray) -> float:
    """The least-squares line's rise from the first to the last checkpoint."""
    steps = np.arange(len(values), dtype=np.float64)
    return float(np.polyfit(steps, values, 1)[0] * (len(values) - 1))


def _pearson(xs: np.ndarray, ys: np.ndarray) -> float | None:
    if len(xs) < 3 or np.std(xs) < 1e-12 or np.std(ys) < 1e-12:
        return None
    return float(np.corrcoef(xs, ys)[0, 1])


def _evidence(**values: float | int | str) -> dict[str, EvidenceValue]:
    # numpy scalars become Python numbers, which the finding's model and its JSON take as they are.
    return {key: value.item() if isinstance(value, np.generic) else value for key, value in values.items()}
