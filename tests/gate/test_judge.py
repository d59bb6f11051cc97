"""The gate's measures on hand-made pools, where every number can be worked out by hand."""

from __future__ import annotations

import math

import pytest

from rewardsmith.gate.judge import GateThresholds, judge, spearman
from rewardsmith.gate.pool import PoolScores, PoolTrajectory, TrajectoryPool


def _pool(*rows: tuple[str, float, str | None]) -> TrajectoryPool:
    """(source, fitness, probe) rows; fitness ≥ 0.8 counts as success."""
    return TrajectoryPool(
        task="t",
        trajectories=[
            PoolTrajectory(
                source=source,
                kind="probe" if probe else "reference",
                probe=probe,
                fitness=fitness,
                success=fitness >= 0.8,
                length=10,
            )
            for source, fitness, probe in rows
        ],
    )


POOL = _pool(
    ("ref#0", 0.0, None),
    ("ref#1", 0.3, None),
    ("ref#2", 0.6, None),
    ("ref#3", 0.9, None),
    ("ref#4", 1.0, None),
    ("probe/idle#0", 0.0, "idle"),
    ("probe/jitter#0", 0.0, "jitter"),
)


def _judge(returns: list[float], pool: TrajectoryPool = POOL, **thresholds: float):
    return judge(PoolScores(returns=returns), pool, 0.0, 1.0, GateThresholds(**thresholds))


def test_a_reward_that_ranks_like_the_fitness_passes_every_measure() -> None:
    report = _judge([0.0, 3.0, 6.0, 9.0, 10.0, 0.5, 0.2])
    assert report.passed and not report.reasons
    assert report.pairwise_accuracy == 1.0
    assert report.card_test is True and report.card_violations == 0
    assert report.rank_correlation == pytest.approx(spearman([0, 3, 6, 9, 10, 0.5, 0.2], [0, 0.3, 0.6, 0.9, 1, 0, 0]))
    assert {o.probe for o in report.probes} == {"idle", "jitter"} and not any(o.outscored for o in report.probes)


def test_a_probe_that_matches_competence_fails_the_gate_and_is_named() -> None:
    # Idle scores 9.5: above the median competent return (9.0 and 10.0 → 9.5), though it does nothing.
    report = _judge([0.0, 3.0, 6.0, 9.0, 10.0, 9.5, 0.2], min_pairwise_accuracy=0.0, min_rank_correlation=-1.0)
    assert not report.passed
    idle = next(o for o in report.probes if o.probe == "idle")
    assert idle.outscored and idle.competent_return == pytest.approx(9.5) and idle.probe_return == 9.5
    assert "probe 'idle'" in report.reasons[0] and "standing still" in report.reasons[0]
    assert "probe/idle#0" in report.evidence()


def test_pairwise_accuracy_counts_clear_pairs_only_and_ties_as_half() -> None:
    pool = _pool(("a", 0.0, None), ("b", 0.5, None), ("c", 0.52, None), ("d", 1.0, None))
    # Clear pairs (fitness apart by more than 0.05): b>a, c>a, d>a, d>b, d>c; b and c are too close to rank.
    report = _judge([1.0, 1.0, 3.0, 0.0], pool, min_pairwise_accuracy=0.0, min_rank_correlation=-1.0)
    assert report.pairs == 5
    # b>a tie (half), c>a right, d>a wrong, d>b wrong, d>c wrong: 1.5 of 5.
    assert report.pairwise_accuracy == pytest.approx(0.3)
    worst = report.misrankings[0]
    assert (worst.worse, worst.better) == ("c", "d") and worst.gap == pytest.approx(3.0)


def test_low_accuracy_and_low_correlation_reject_with_their_numbers() -> None:
    report = _judge([10.0, 9.0, 6.0, 3.0, 0.0, -1.0, -1.0])
    assert not report.passed
    assert any("pairwise preference accuracy" in reason for reason in report.reasons)
    assert any("rank correlation" in reason for reason in report.reasons)
    assert "misranked: ref#0 (fitness 0) scored 10" in report.evidence()


def test_card_test_is_recorded_but_a_near_miss_alone_does_not_reject() -> None:
    # ref#2 (a failure at 0.6) scores above ref#3 (a success at 0.9): CARD's test fails, the rest holds.
    report = _judge([0.0, 3.0, 9.5, 9.0, 10.0, 0.5, 0.2])
    assert report.card_test is False and report.card_violations == 1 and report.card_share == 0.5
    assert report.passed


def test_card_test_compares_return_per_step_and_passes_at_eighty_percent() -> None:
    def row(source: str, fitness: float, length: int) -> PoolTrajectory:
        return PoolTrajectory(source=source, kind="reference", fitness=fitness, success=fitness >= 0.8, length=length)

    successes = [row(f"s#{i}", 1.0, 100) for i in range(5)]
    pool = TrajectoryPool(task="t", trajectories=[*successes, row("f#0", 0.0, 10)])
    # The failure's 30 in 10 steps (3 per step) beats one success's 250 in 100 (2.5 per step): 4 of 5 pass.
    report = judge(PoolScores(returns=[400.0, 400.0, 400.0, 400.0, 250.0, 30.0]), pool, 0.0, 1.0)
    assert report.card_share == pytest.approx(0.8) and report.card_test is True and report.card_violations == 1
    report = judge(PoolScores(returns=[400.0, 400.0, 400.0, 250.0, 250.0, 30.0]), pool, 0.0, 1.0)
    assert report.card_share == pytest.approx(0.6) and report.card_test is False


def test_a_non_finite_return_rejects() -> None:
    report = _judge([0.0, math.nan, 6.0, 9.0, 10.0, 0.5, 0.2])
    assert not report.passed and "not finite" in report.reasons[0] and "ref#1" in report.reasons[0]


def test_returns_must_match_the_pool() -> None:
    with pytest.raises(ValueError, match="3 returns for a pool of 7"):
        _judge([1.0, 2.0, 3.0])


def test_without_successes_the_fittest_quarter_stands_for_competence() -> None:
    pool = _pool(*[(f"ref#{i}", i / 10, None) for i in range(8)], ("probe/idle#0", 0.0, "idle"))
    report = _judge([float(i) for i in range(8)] + [6.5], pool)
    # Competent: the two fittest (returns 6 and 7, median 6.5); idle at 6.5 matches it.
    idle = report.probes[0]
    assert idle.competent_return == pytest.approx(6.5) and idle.outscored and not report.passed


def test_spearman_handles_ties_and_constants() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 1, 2, 2], [1, 2, 3, 4]) == pytest.approx(0.894427, rel=1e-5)
    assert spearman([1, 1, 1], [1, 2, 3]) is None
    assert spearman([1, 2], [2, 1]) is None
