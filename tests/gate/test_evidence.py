"""The analyzer's evidence from a pool: the gate's competent trajectories, the candidate's returns on them."""

from __future__ import annotations

import math

from rewardsmith.gate.evidence import pool_evidence
from rewardsmith.gate.pool import PoolScores, PoolTrajectory, TrajectoryPool
from tests.agents.analyzer.test_detectors import CARTPOLE, run


def label(source: str, fitness: float, kind: str = "reference", probe: str | None = None) -> PoolTrajectory:
    return PoolTrajectory(
        source=source, kind=kind, probe=probe, fitness=fitness, success=fitness >= 475, length=max(1, int(fitness))
    )


POOL = TrajectoryPool(
    task="cartpole",
    trajectories=[
        label("reference/checkpoint_00#0", 30.0),
        label("reference/checkpoint_09#0", 500.0),
        label("random#0", 20.0, kind="random", probe="random"),
        label("random#1", 24.0, kind="random", probe="random"),
        label("probe/idle#0", 9.0, kind="probe", probe="idle"),
        label("reference/checkpoint_09#1", 490.0),
    ],
)


def test_the_competent_trajectories_carry_the_candidates_returns_on_them() -> None:
    scores = PoolScores(returns=[1.0, 2.0, 3.0, 4.0, 5.0, math.nan])
    reference = run(CARTPOLE, fitness=[30.0, 500.0])
    evidence = pool_evidence(POOL, scores, reference)

    assert [(e.source, e.designed_return) for e in evidence.competent] == [
        ("reference/checkpoint_09#0", 2.0),
        ("reference/checkpoint_09#1", None),  # a NaN return is no return
    ]
    assert evidence.competent_return() == 2.0
    assert evidence.random_fitness == 22.0
    assert evidence.reference is not None
    assert evidence.reference.fitness == [30.0, 500.0] and evidence.reference.best_fitness == 500.0


def test_scores_that_do_not_match_the_labels_are_not_used() -> None:
    evidence = pool_evidence(POOL, PoolScores(returns=[1.0, 2.0]))
    assert evidence.competent and all(e.designed_return is None for e in evidence.competent)
    assert evidence.competent_return() is None and evidence.reference is None
