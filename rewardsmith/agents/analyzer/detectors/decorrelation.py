"""``return_fitness_decorrelation``: the designed return and the task fitness both move across checkpoints,
but not together."""

from __future__ import annotations

import math

import numpy as np

from rewardsmith.agents.analyzer.detectors.common import FITNESS_MOVES, RETURN_RISE, Observed, measured
from rewardsmith.agents.types import Finding
from rewardsmith.tasks.spec import TaskSpec
from rewardsmith.training.result import TrainingResult

#: Fewer checkpoints than this give a correlation too noisy to judge.
MIN_CHECKPOINTS = 5
#: The designed return "moves" when its spread is at least this share of its largest magnitude.
RETURN_MOVES = 0.1
#: The fitness "falls" when its fitted change over training is below minus this share of its range.
FITNESS_STILL = 0.05
#: Below this correlation with the fitness the designed return is not a guide to the task.
LOW_CORRELATION = 0.3
#: At or below this correlation the return pays for the opposite of the task.
ANTI_CORRELATION = -0.5


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
    evidence = measured(
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


def _fitted_change(values: np.ndarray) -> float:
    """The least-squares line's rise from the first to the last checkpoint."""
    steps = np.arange(len(values), dtype=np.float64)
    return float(np.polyfit(steps, values, 1)[0] * (len(values) - 1))


def _pearson(xs: np.ndarray, ys: np.ndarray) -> float | None:
    if len(xs) < 3 or np.std(xs) < 1e-12 or np.std(ys) < 1e-12:
        return None
    return float(np.corrcoef(xs, ys)[0, 1])


def detect(seen: Observed) -> list[Finding]:
    return return_fitness_decorrelation(seen.result, seen.spec)
