"""The gate as the design loop applies it: every check a verified candidate must pass before RL.

One function, :func:`gate_candidate`, so the loop and the benchmarks judge candidates the same way:
first that the reward is not constant over the sampled states, then, where the candidate was scored
on a trajectory pool, the measures of :func:`rewardsmith.gate.judge.judge`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from rewardsmith.gate.judge import GateReport, GateThresholds, judge
from rewardsmith.gate.pool import PoolScores, TrajectoryPool
from rewardsmith.rewards.verify import VerifyResult
from rewardsmith.tasks.spec import TaskSpec

GateVerdict = Literal["gate_no_verify_result", "constant_reward", "gate_probe", "gate_ranking"]
"""Why the gate stopped a candidate."""

CONSTANT_CHECK = "total reward varies over the sampled states"


class GateResult(BaseModel):
    """The pre-training checks one candidate went through, and their verdict."""

    passed: bool
    checks: list[str] = Field(description="What was checked, in words.")
    reason_kind: GateVerdict | None = None
    reason: str | None = None
    report: GateReport | None = Field(default=None, description="The pool's measures, where it was scored on one.")


def pool_checks(thresholds: GateThresholds) -> list[str]:
    """The pool's checks in words, for the record."""
    return [
        "no hack probe (idle, random, jitter, circling, early termination) scores at or above the median "
        "competent trajectory",
        f"pairwise preference accuracy on the pool ≥ {thresholds.min_pairwise_accuracy}",
        f"rank correlation of return with fitness ≥ {thresholds.min_rank_correlation}",
        "CARD's test (recorded)",
    ]


def gate_candidate(
    verify: VerifyResult | None,
    scores: PoolScores | None,
    labels: TrajectoryPool | None,
    spec: TaskSpec,
    thresholds: GateThresholds | None = None,
) -> GateResult:
    """Judge one verified candidate.

    Args:
        verify: Its verification result; None when verification left no statistics.
        scores: Its return on each trajectory of the pool, when its verify job was given one.
        labels: The pool's labels those returns were computed against.
        spec: The task, for its fitness range.
        thresholds: Where the pool's measures draw their lines.

    Returns:
        The verdict: a constant reward fails before the pool is looked at; without a pool, passing
        that check passes.
    """
    checks = [CONSTANT_CHECK]
    if verify is None:
        return GateResult(
            passed=False,
            checks=checks,
            reason_kind="gate_no_verify_result",
            reason="verification left no statistics to gate on",
        )
    total = verify.total_stats
    if total is not None and total.std == 0.0:
        return GateResult(
            passed=False,
            checks=checks,
            reason_kind="constant_reward",
            reason=f"the total reward is {total.mean:g} on every sampled state, so it cannot tell good behaviour "
            "from bad; make it depend on the state",
        )
    if scores is None or labels is None:
        return GateResult(passed=True, checks=checks)
    thresholds = thresholds or GateThresholds()
    report = judge(scores, labels, spec.fitness.low, spec.fitness.high, thresholds)
    kind: GateVerdict | None = None
    if not report.passed:
        kind = "gate_probe" if any(outcome.outscored for outcome in report.probes) else "gate_ranking"
    return GateResult(
        passed=report.passed,
        checks=checks + pool_checks(thresholds),
        reason_kind=kind,
        reason="; ".join(report.reasons) or None,
        report=report,
    )
