"""The gate before RL: does a candidate reward rank the pool's trajectories as the task fitness does?

A reward that pays a probe (standing still, jittering, circling, ending the episode) as much as a
competent episode, or prefers clearly worse episodes to better ones, will be exploited by PPO; training
it wastes a run and teaches nothing. The gate scores the candidate on the trajectory pool
(:mod:`rewardsmith.gate.pool`) and measures:

- **CARD's test**: successful trajectories must outscore the best-scoring failure, compared by
  return per step (return / length) and passed when at least :data:`CARD_PASS_SHARE` of them do, as
  CARD's released code measures it; the share is recorded too (1.0 means every success did);
- **pairwise preference accuracy**: over pairs whose fitness differs by more than
  :attr:`GateThresholds.fitness_margin` of the fitness range, the share the return orders correctly
  (a tie in return counts half);
- **rank correlation** (Spearman) of the returns with the fitness;
- **hack probes**: no probe trajectory that fails the task may score at or above the median return of
  the competent trajectories.

A candidate is rejected, and not trained, when a probe wins, when the pairwise accuracy or the rank
correlation falls below its threshold, or when its return is not finite on some trajectory. CARD's
test is recorded, not enforced alone: trajectories that barely fail (a cart-pole dropped at step 470
of 500) may fairly outscore a barely successful one per step, and the test would turn away sound
rewards that the ranking measures accept.
The report names the misranked trajectories and by how much, for the designer.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.gate.exploits import PROBE_MEANINGS, ProbeMeaning, probe_name
from rewardsmith.gate.pool import PoolScores, PoolTrajectory, TrajectoryPool

#: Misranked pairs the report quotes, worst first.
QUOTED = 5
#: The share of successes that must outscore the best failure in CARD's test.
CARD_PASS_SHARE = 0.8


class GateThresholds(BaseModel):
    """Where the gate draws its lines."""

    min_pairwise_accuracy: float = Field(default=0.7, ge=0, le=1)
    min_rank_correlation: float = Field(default=0.3, ge=-1, le=1)
    fitness_margin: float = Field(
        default=0.05, ge=0, le=1, description="Pairs closer in fitness than this share of its range are not ranked."
    )


class Misranking(BaseModel):
    """A worse trajectory that the candidate scored above a better one."""

    better: str
    better_fitness: float
    better_return: float
    worse: str
    worse_fitness: float
    worse_return: float
    worse_probe: str | None = Field(default=None, description="The probe the worse trajectory came from, if one.")

    @property
    def gap(self) -> float:
        return self.worse_return - self.better_return


class ProbeOutcome(BaseModel):
    """How a probe's best trajectory scored against the competent ones."""

    probe: str
    source: str
    fitness: float
    probe_return: float
    competent_return: float = Field(description="The median return of the competent trajectories.")
    outscored: bool = Field(description="The probe scored at or above competent_return.")


class GateReport(BaseModel):
    """The gate's verdict on one candidate, with its evidence."""

    model_config = ConfigDict(ser_json_inf_nan="constants")

    passed: bool
    pool_version: int
    trajectories: int
    successes: int
    card_test: bool | None = Field(
        description="CARD's test: enough successes outscore the best failure per step; None without both."
    )
    card_share: float | None = Field(default=None, description="The share of successes that outscore it.")
    card_violations: int = Field(description="Successes scored at or below the best failure, per step.")
    pairwise_accuracy: float | None
    pairs: int = Field(description="Pairs ranked for the accuracy.")
    rank_correlation: float | None
    probes: list[ProbeOutcome] = Field(default_factory=list)
    misrankings: list[Misranking] = Field(default_factory=list, description="The worst misranked pairs.")
    reasons: list[str] = Field(default_factory=list, description="Why it failed; empty when it passed.")

    def exploited(self) -> list[ProbeMeaning]:
        """What the report shows the reward paying for: each probe that scored like competence, then each
        probe whose trajectory it ranked above a fitter one; each once, in that order."""
        names = [probe_name(outcome.probe) for outcome in self.probes if outcome.outscored]
        names += [probe_name(m.worse_probe) for m in self.misrankings if m.worse_probe is not None]
        return [PROBE_MEANINGS[name] for name in dict.fromkeys(names)]

    def evidence(self) -> str:
        """The report as a designer reads it: verdicts first, then the misranked trajectories."""
        lines = list(self.reasons)
        accuracy = "n/a" if self.pairwise_accuracy is None else f"{self.pairwise_accuracy:.2f}"
        correlation = "n/a" if self.rank_correlation is None else f"{self.rank_correlation:.2f}"
        share = (
            "" if self.card_share is None else f"{self.card_share:.0%} of successes above the best failure per step, "
        )
        card = {
            None: "n/a",
            True: f"passed ({share}needs {CARD_PASS_SHARE:.0%})",
            False: f"failed ({share}needs {CARD_PASS_SHARE:.0%})",
        }
        lines.append(
            f"pool v{self.pool_version}: {self.trajectories} trajectories ({self.successes} successful); pairwise "
            f"accuracy {accuracy} over {self.pairs} pairs; rank correlation with fitness {correlation}; CARD's "
            f"test {card[self.card_test]}"
        )
        lines.extend(
            f"misranked: {m.worse} (fitness {m.worse_fitness:.3g}) scored {m.worse_return:.4g} but {m.better} "
            f"(fitness {m.better_fitness:.3g}) only {m.better_return:.4g}"
            for m in self.misrankings
        )
        return "\n".join(lines)


def judge(
    scores: PoolScores,
    pool: TrajectoryPool,
    fitness_low: float,
    fitness_high: float,
    thresholds: GateThresholds | None = None,
) -> GateReport:
    """Measure a candidate's returns on ``pool`` against the fitness labels (see the module docstring)."""
    thresholds = thresholds or GateThresholds()
    labels = pool.trajectories
    returns = scores.returns
    if len(returns) != len(labels):
        raise ValueError(f"{len(returns)} returns for a pool of {len(labels)} trajectories")
    reasons: list[str] = []
    not_finite = [label.source for label, value in zip(labels, returns, strict=True) if not math.isfinite(value)]
    if not_finite:
        reasons.append(
            f"the reward is not finite (or reads a variable the pool lacks) on {len(not_finite)} trajectories, "
            f"e.g. {not_finite[0]}"
        )
        return _report(pool, labels, reasons=reasons)
    fitness = [label.fitness for label in labels]
    margin = thresholds.fitness_margin * (fitness_high - fitness_low)
    accuracy, pairs, misrankings = _pairwise(labels, returns, margin)
    correlation = spearman(returns, fitness)
    card, share, violations = _card_test(labels, returns)
    probes = _probe_outcomes(labels, returns)
    for outcome in probes:
        if outcome.outscored:
            meaning = PROBE_MEANINGS[probe_name(outcome.probe)].behaviour
            reasons.append(
                f"probe '{outcome.probe}' ({outcome.source}, fitness {outcome.fitness:.3g}) scored "
                f"{outcome.probe_return:.4g}, at or above the median competent trajectory's "
                f"{outcome.competent_return:.4g}: {meaning} would be paid like doing the task"
            )
    if accuracy is not None and accuracy < thresholds.min_pairwise_accuracy:
        reasons.append(
            f"pairwise preference accuracy {accuracy:.2f} is below {thresholds.min_pairwise_accuracy:.2f}: the reward "
            "often prefers the worse of two trajectories"
        )
    if correlation is not None and correlation < thresholds.min_rank_correlation:
        reasons.append(
            f"rank correlation of return with fitness {correlation:.2f} is below {thresholds.min_rank_correlation:.2f}"
        )
    return _report(
        pool,
        labels,
        reasons=reasons,
        card=card,
        card_share=share,
        violations=violations,
        accuracy=accuracy,
        pairs=pairs,
        correlation=correlation,
        probes=probes,
        misrankings=misrankings,
    )


def _report(
    pool: TrajectoryPool,
    labels: list[PoolTrajectory],
    *,
    reasons: list[str],
    card: bool | None = None,
    card_share: float | None = None,
    violations: int = 0,
    accuracy: float | None = None,
    pairs: int = 0,
    correlation: float | None = None,
    probes: list[ProbeOutcome] | None = None,
    misrankings: list[Misranking] | None = None,
) -> GateReport:
    return GateReport(
        passed=not reasons,
        pool_version=pool.version,
        trajectories=len(labels),
        successes=sum(label.success for label in labels),
        card_test=card,
        card_share=card_share,
        card_violations=violations,
        pairwise_accuracy=accuracy,
        pairs=pairs,
        rank_correlation=correlation,
        probes=probes or [],
        misrankings=misrankings or [],
        reasons=reasons,
    )


def _pairwise(
    labels: list[PoolTrajectory], returns: list[float], margin: float
) -> tuple[float | None, int, list[Misranking]]:
    fitness = np.array([label.fitness for label in labels])
    values = np.array(returns)
    # better[i, j]: trajectory i is clearly fitter than j.
    better = fitness[:, None] - fitness[None, :] > max(margin, 1e-12)
    pairs = int(better.sum())
    if not pairs:
        return None, 0, []
    difference = values[:, None] - values[None, :]
    correct = float((difference[better] > 0).sum() + 0.5 * (difference[better] == 0).sum())
    wrong = np.argwhere(better & (difference < 0))
    worst = sorted(wrong.tolist(), key=lambda pair: float(difference[pair[0], pair[1]]))[:QUOTED]
    misrankings = [
        Misranking(
            better=labels[i].source,
            better_fitness=labels[i].fitness,
            better_return=returns[i],
            worse=labels[j].source,
            worse_fitness=labels[j].fitness,
            worse_return=returns[j],
            worse_probe=labels[j].probe,
        )
        for i, j in worst
    ]
    return correct / pairs, pairs, misrankings


def _card_test(labels: list[PoolTrajectory], returns: list[float]) -> tuple[bool | None, float | None, int]:
    # Per step, so that a long failure is not preferred to a short success for its length alone.
    per_step = [value / label.length for label, value in zip(labels, returns, strict=True)]
    successes = [value for label, value in zip(labels, per_step, strict=True) if label.success]
    failures = [value for label, value in zip(labels, per_step, strict=True) if not label.success]
    if not successes or not failures:
        return None, None, 0
    best_failure = max(failures)
    violations = sum(value <= best_failure for value in successes)
    share = 1 - violations / len(successes)
    return share >= CARD_PASS_SHARE, share, violations


def competent_indices(labels: list[PoolTrajectory]) -> list[int]:
    """The trajectories a probe must not match: the successful ones that are no probes, or else the best quarter."""
    policies = [i for i, label in enumerate(labels) if label.probe is None]
    successful = [i for i in policies if labels[i].success]
    if successful:
        return successful
    # An unsolved pool (a short reference run) still has its fittest trajectories to stand for competence.
    ranked = sorted(policies, key=lambda i: labels[i].fitness, reverse=True)
    return ranked[: max(1, len(ranked) // 4)]


def _probe_outcomes(labels: list[PoolTrajectory], returns: list[float]) -> list[ProbeOutcome]:
    competent = competent_indices(labels)
    if not competent:
        return []
    floor = min(labels[i].fitness for i in competent)
    competent_return = statistics.median(returns[i] for i in competent)
    best_by_probe: dict[str, int] = {}
    for i, label in enumerate(labels):
        # A probe that happens to do the task as well as a competent policy is no hack.
        if label.probe is None or label.success or label.fitness >= floor:
            continue
        if label.probe not in best_by_probe or returns[i] > returns[best_by_probe[label.probe]]:
            best_by_probe[label.probe] = i
    return [
        ProbeOutcome(
            probe=probe,
            source=labels[i].source,
            fitness=labels[i].fitness,
            probe_return=returns[i],
            competent_return=competent_return,
            outscored=returns[i] >= competent_return,
        )
        for probe, i in sorted(best_by_probe.items())
    ]


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rank correlation with average ranks for ties; None when either side is constant."""
    if len(xs) < 3:
        return None
    rx, ry = _ranks(np.asarray(xs, dtype=float)), _ranks(np.asarray(ys, dtype=float))
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values), dtype=float)
    # Tied values share the mean of the ranks they span.
    unique, inverse = np.unique(values, return_inverse=True)
    sums = np.bincount(inverse, weights=ranks)
    counts = np.bincount(inverse)
    return (sums / counts)[inverse] if len(unique) < len(values) else ranks
