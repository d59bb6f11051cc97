"""The detectors that judge a policy against the pool: each on a small synthetic run and pool written here."""

from __future__ import annotations

import numpy as np
import pytest

from rewardsmith.agents.analyzer.detectors import beats_competence, detect_hacking, ends_before_competence
from rewardsmith.agents.analyzer.detectors.common import Observed
from rewardsmith.gate.evidence import PoolEpisode, PoolEvidence, ReferenceCurve
from rewardsmith.rewards.rubric import evaluate_check
from rewardsmith.tasks import load_task
from tests.agents.analyzer.test_detectors import CARTPOLE, POINT_REACH, corrected_check, recording, run

MOUNTAIN_CAR = load_task("mountain_car").spec
MOUNTAIN_CAR_LENGTH = MOUNTAIN_CAR.episode_length


def evidence(
    lengths: list[int], returns: list[float], *, success: bool = True, fitness: float = 500.0, random: float = 20.0
) -> PoolEvidence:
    return PoolEvidence(
        competent=[
            PoolEpisode(
                source=f"reference/checkpoint_09#{i}", length=n, fitness=fitness, success=success, designed_return=r
            )
            for i, (n, r) in enumerate(zip(lengths, returns, strict=True))
        ],
        random_fitness=random,
        reference=ReferenceCurve(steps=[1000, 2000], fitness=[0.0, fitness]),
    )


def dropped_pole(episodes: int = 4, length: int = 9, per_step: float = -1.2) -> dict[str, np.ndarray]:
    """Cartpole episodes that all end by termination after ``length`` steps."""
    return recording([length] * episodes, [float(length)] * episodes, reward=[np.full(length, per_step)] * episodes)


def seen(kept: dict[str, np.ndarray], pool: PoolEvidence | None, *, fitness: float = 9.0) -> Observed:
    return Observed(result=run(CARTPOLE, fitness=[fitness, fitness]), recordings={1: kept}, spec=CARTPOLE, pool=pool)


# ---- ending early against the competent trajectories --------------------------------------------


def test_every_episode_ending_early_while_competence_lasts_and_pays_less_is_hacking() -> None:
    # Each dropped-pole episode earns -10.8; a competent 500-step episode under the same reward -520.
    [finding] = ends_before_competence.detect(seen(dropped_pole(), evidence([500, 500, 500], [-520.0, -518.0, -515.0])))

    assert (finding.kind, finding.severity) == ("early_termination_exploit", "hacking")
    values = finding.evidence
    assert (values["early_episodes"], values["recorded"]) == (4, 4)
    assert (values["policy_length"], values["competent_length"], values["competent_episodes"]) == (9, 500, 3)
    assert values["policy_return"] == pytest.approx(-10.8) and values["competent_return"] == -518.0
    assert values["policy_fitness"] == 9.0 and values["competent_fitness"] == 500.0
    # The spec corrector turns it into a check the policy fails and a competent episode passes.
    check = corrected_check(finding, CARTPOLE)
    assert check == "length > 9"
    assert evaluate_check(check, dropped_pole()).passed is False
    assert evaluate_check(check, recording([500, 500], [500.0, 500.0])).passed is True


def test_ending_early_for_less_than_competence_earns_is_only_a_warning() -> None:
    # A survival bonus pays the short episodes far less: a policy still learning, not exploiting.
    kept = dropped_pole(per_step=1.5)
    [finding] = ends_before_competence.detect(seen(kept, evidence([500, 500], [750.0, 750.0])))
    assert finding.severity == "warning" and finding.evidence["policy_return"] < finding.evidence["competent_return"]


def test_no_pool_no_finding_and_no_unscored_verdict() -> None:
    assert ends_before_competence.detect(seen(dropped_pole(), None)) == []
    unscored = PoolEvidence(
        competent=[PoolEpisode(source="r#0", length=500, fitness=500.0, success=True, designed_return=None)],
        random_fitness=None,
    )
    # Without the candidate's returns on the pool, nothing shows the reward paying for it.
    [finding] = ends_before_competence.detect(seen(dropped_pole(), unscored))
    assert finding.severity == "warning" and "policy_return" not in finding.evidence


def test_competent_trajectories_no_longer_than_the_policy_show_nothing() -> None:
    assert ends_before_competence.detect(seen(dropped_pole(length=9), evidence([12, 12], [-20.0, -20.0]))) == []


def test_some_long_episodes_or_unsuccessful_competence_show_nothing() -> None:
    mixed = recording([9, 9, 500, 500], [9.0, 9.0, 500.0, 500.0])
    assert ends_before_competence.detect(seen(mixed, evidence([500], [0.0]))) == []
    assert ends_before_competence.detect(seen(dropped_pole(), evidence([500], [-500.0], success=False))) == []


def test_reaching_the_goal_early_is_no_early_ending() -> None:
    reached = np.zeros(20)
    reached[-1] = 1.0
    kept = recording([20, 20], [0.9, 0.9], reward=[np.full(20, 0.5)] * 2, reached_goal=[reached] * 2)
    observed = Observed(
        result=run(POINT_REACH, fitness=[0.0, 0.5]),
        recordings={1: kept},
        spec=POINT_REACH,
        pool=evidence([60, 60], [2.0, 2.0], fitness=0.85, random=0.0),
    )
    assert ends_before_competence.detect(observed) == []


# ---- a return above competence at the floor -----------------------------------------------------


def idle_car(per_step: float = 1.0) -> dict[str, np.ndarray]:
    return recording([MOUNTAIN_CAR_LENGTH] * 2, [0.0, 0.0], reward=[np.full(MOUNTAIN_CAR_LENGTH, per_step)] * 2)


def car(kept: dict[str, np.ndarray], pool: PoolEvidence, fitness: float = 0.0) -> Observed:
    return Observed(
        result=run(MOUNTAIN_CAR, fitness=[fitness, fitness]), recordings={1: kept}, spec=MOUNTAIN_CAR, pool=pool
    )


def test_out_earning_competence_with_the_fitness_of_random_play_is_hacking() -> None:
    pool = evidence([120, 140, 130], [134.0, 130.0, 140.0], fitness=0.95, random=0.0)
    [finding] = beats_competence.detect(car(idle_car(), pool))

    assert (finding.kind, finding.severity) == ("return_beats_competence", "hacking")
    values = finding.evidence
    assert values["policy_return"] == 999.0 and values["competent_return"] == 134.0
    assert values["policy_fitness"] == 0.0 and values["fitness_floor"] == 0.1
    assert values["reference_fitness"] == 0.95 and values["competent_episodes"] == 3
    # Registered: the analyzer's one entry point raises it too.
    observed = car(idle_car(), pool)
    assert finding in detect_hacking(observed.result, observed.recordings, observed.spec, pool)


def test_a_return_below_competence_or_a_fitness_above_the_floor_is_no_hack() -> None:
    pool = evidence([120, 140], [2000.0, 2000.0], fitness=0.95, random=0.0)
    assert beats_competence.detect(car(idle_car(), pool)) == []
    richer = evidence([120, 140], [134.0, 134.0], fitness=0.95, random=0.0)
    assert beats_competence.detect(car(idle_car(), richer, fitness=0.5)) == []


def test_a_reference_that_never_left_the_floor_makes_no_case() -> None:
    pool = evidence([120, 140], [134.0, 134.0], fitness=0.95, random=0.0).model_copy(
        update={"reference": ReferenceCurve(steps=[1000, 2000], fitness=[0.0, 0.05])}
    )
    assert beats_competence.detect(car(idle_car(), pool)) == []
