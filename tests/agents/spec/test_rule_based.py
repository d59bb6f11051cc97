"""The rule-based spec writer and corrector: v1 checks that run on real episodes, and versioned corrections."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.agents import Analysis, Candidate, Finding, RuleBasedSpecCorrector, RuleBasedSpecWriter
from rewardsmith.rewards.rubric import RubricCheckResult, evaluate_rubric, parse_check
from rewardsmith.tasks import load_task
from tests.agents.helpers import BUILTIN_TASKS, record_random_episodes

CANDIDATE = Candidate(id="i02-c01", iteration=2, code="", designer="rule-based")


@pytest.mark.parametrize("name", BUILTIN_TASKS)
def test_v1_has_machine_checks_that_evaluate_on_recorded_episodes(name: str, tmp_path: Path) -> None:
    task = load_task(name)
    rubric = RuleBasedSpecWriter().initial(task.spec)

    assert rubric.version == 1 and rubric.parent_version is None and rubric.author == "rule-based"
    assert rubric.reason
    checked = [criterion for criterion in rubric.criteria if criterion.check]
    assert checked
    for criterion in checked:
        parse_check(criterion.check or "", task.spec.state_variable_names)
    desired = [v.name for v in task.spec.state_variables if v.desired]
    assert all(any(name in c.id for c in rubric.criteria) for name in desired)
    assert any(c.id == "moderate_effort" for c in rubric.criteria)

    episodes = record_random_episodes(task, tmp_path / "checkpoint_00.npz")
    results = evaluate_rubric(rubric, [episodes])
    evaluated = [r for r in results if r.check]
    assert len(evaluated) == len(checked)
    assert all(r.passed is not None and r.episodes == 2 for r in evaluated), results


def test_thresholds_follow_the_variables_scale() -> None:
    cartpole = {c.id: c for c in RuleBasedSpecWriter().initial(load_task("cartpole").spec).criteria}
    pendulum = {c.id: c for c in RuleBasedSpecWriter().initial(load_task("pendulum").spec).criteria}
    point_reach = {c.id: c for c in RuleBasedSpecWriter().initial(load_task("point_reach").spec).criteria}

    # No quoted range: a unit default (0.2 rad), read loosely.
    assert cartpole["pole_angle_near_zero"].check == "fraction(abs(pole_angle) < 0.1) > 0.5"
    # A quoted range gives a scale of its own: [-pi, pi) for the angle, [-8, 8] for the rate (with more room).
    assert pendulum["normalized_angle_near_zero"].check == "fraction(abs(normalized_angle) < 0.785) > 0.5"
    assert pendulum["angular_velocity_near_zero"].check == "fraction(abs(angular_velocity) < 4) > 0.5"
    assert point_reach["reached_goal_achieved"].check == "final(reached_goal)"
    assert point_reach["avoids_collided"].check == "max(collided) < 0.5"
    assert point_reach["reaches_goal_quickly"].check == "time_to_goal < 100"
    # Cartpole's actions all have the same magnitude, so its effort criterion has no check.
    assert cartpole["moderate_effort"].check is None


def _analysis(findings: list[Finding], results: list[RubricCheckResult] | None = None) -> Analysis:
    return Analysis(
        candidate_id=CANDIDATE.id,
        fitness=0.1,
        components=[],
        total_fitness_correlation=-0.9,
        best_episode=None,
        worst_episode=None,
        rubric_results=results or [],
        findings=findings,
        hacking_suspected=any(f.severity == "hacking" for f in findings),
        reflection="",
        analyzer="rule-based",
    )


HACKING = Finding(
    kind="reward_fitness_divergence",
    severity="hacking",
    message="The designed return rose while the task fitness fell.",
    component="obstacle_clearance_bonus",
    evidence={"designed_return": [1, 5, 9], "fitness": [0.5, 0.2, 0.1]},
)


def test_hacking_adds_a_criterion_that_names_the_exploit() -> None:
    v1 = RuleBasedSpecWriter().initial(load_task("point_reach").spec)
    results = [RubricCheckResult(criterion_id="reached_goal_achieved", check="final(reached_goal)", passed=False)]

    v2 = RuleBasedSpecCorrector().correct(v1, _analysis([HACKING], results), CANDIDATE)

    assert v2 is not None
    assert (v2.version, v2.parent_version, v2.author) == (2, 1, "rule-based")
    added = {c.id: c for c in v2.criteria}["no_exploit_obstacle_clearance_bonus"]
    assert "obstacle_clearance_bonus" in added.text and CANDIDATE.id in added.text
    # It restates the failed check the exploit skipped, demanded in more episodes.
    assert added.check == "final(reached_goal)" and added.pass_fraction == 0.75
    assert "obstacle_clearance_bonus" in v2.reason and CANDIDATE.id in v2.reason
    assert len(v2.diff) == 1 and "added no_exploit_obstacle_clearance_bonus" in v2.diff[0]
    assert [c.id for c in v2.criteria][: len(v1.criteria)] == [c.id for c in v1.criteria]


def test_the_same_exploit_again_tightens_its_criterion() -> None:
    v1 = RuleBasedSpecWriter().initial(load_task("point_reach").spec)
    corrector = RuleBasedSpecCorrector()
    v2 = corrector.correct(v1, _analysis([HACKING]), CANDIDATE)
    assert v2 is not None
    v3 = corrector.correct(v2, _analysis([HACKING]), CANDIDATE.model_copy(update={"id": "i03-c00"}))

    assert v3 is not None and (v3.version, v3.parent_version) == (3, 2)
    before = {c.id: c for c in v2.criteria}["no_exploit_obstacle_clearance_bonus"]
    after = {c.id: c for c in v3.criteria}["no_exploit_obstacle_clearance_bonus"]
    assert after.pass_fraction > before.pass_fraction and after.weight > before.weight
    assert "tightened no_exploit_obstacle_clearance_bonus" in v3.diff[0]
    assert len(v3.criteria) == len(v2.criteria)


def test_a_violation_tightens_the_violated_criterion() -> None:
    v1 = RuleBasedSpecWriter().initial(load_task("cartpole").spec)
    violation = Finding(
        kind="rubric_violation",
        severity="warning",
        message="Rubric criterion 'pole_angle_near_zero' fails.",
        criterion="pole_angle_near_zero",
    )
    results = [
        RubricCheckResult(
            criterion_id="pole_angle_near_zero",
            check="fraction(abs(pole_angle) < 0.1) > 0.5",
            passed=False,
            value=0.15,
        )
    ]

    v2 = RuleBasedSpecCorrector().correct(v1, _analysis([violation], results), CANDIDATE)

    assert v2 is not None and v2.version == 2
    old = {c.id: c for c in v1.criteria}["pole_angle_near_zero"]
    new = {c.id: c for c in v2.criteria}["pole_angle_near_zero"]
    assert new.weight == pytest.approx(1.5 * old.weight)
    assert "Violated by i02-c01 (value 0.15)." in new.text
    assert v2.diff == [f"tightened pole_angle_near_zero: weight 1 → 1.5; {violation.message}"]
    # A second correction replaces the note rather than stacking them.
    v3 = RuleBasedSpecCorrector().correct(v2, _analysis([violation], results), CANDIDATE)
    assert v3 is not None
    assert {c.id: c for c in v3.criteria}["pole_angle_near_zero"].text.count("Violated by") == 1


def test_nothing_to_correct_gives_none() -> None:
    v1 = RuleBasedSpecWriter().initial(load_task("cartpole").spec)
    flat = Finding(kind="flat_component", severity="warning", message="flat", component="alive")
    assert RuleBasedSpecCorrector().correct(v1, _analysis([]), CANDIDATE) is None
    assert RuleBasedSpecCorrector().correct(v1, _analysis([flat]), CANDIDATE) is None


@pytest.mark.parametrize(
    ("finding", "check"),
    [
        (
            Finding(
                kind="oscillation",
                severity="hacking",
                message="The kept policy drives the action back and forth.",
                evidence={
                    "variable": "action",
                    "turn_rate": 0.98,
                    "swing": 0.5,
                    "reversals": 0.96,
                    "mean_step": 1.8,
                    "episodes": 2,
                },
            ),
            "reversals(action) < 0.48 or mean(abs(diff(action))) < 0.9",
        ),
        (
            Finding(
                kind="loitering",
                severity="hacking",
                message="The kept policy hovers near the goal.",
                evidence={"variable": "distance_to_goal", "goal_flag": "reached_goal", "near": 0.3, "near_share": 0.9},
            ),
            "final(reached_goal) or fraction(abs(distance_to_goal) < 0.3) < 0.5",
        ),
        (
            Finding(
                kind="early_termination_exploit",
                severity="hacking",
                message="The policy ends episodes early.",
                evidence={"early_limit": 100, "goal_flag": "reached_goal", "early_return": 3, "longer_return": -20},
            ),
            "length > 100 or final(reached_goal)",
        ),
    ],
)
def test_a_behavioural_exploit_gets_a_check_that_names_it(finding: Finding, check: str) -> None:
    v1 = RuleBasedSpecWriter().initial(load_task("point_reach").spec)

    v2 = RuleBasedSpecCorrector().correct(v1, _analysis([finding]), CANDIDATE)

    assert v2 is not None
    added = {c.id: c for c in v2.criteria}[f"no_exploit_{finding.kind}"]
    assert added.check == check and added.pass_fraction == 0.75
    parse_check(check, load_task("point_reach").spec.state_variable_names)
    assert f"({finding.kind})" in added.text and CANDIDATE.id in added.text
    assert f"added no_exploit_{finding.kind}" in v2.diff[0] and f"`{check}`" in v2.diff[0]


def test_decorrelation_seen_with_a_divergence_is_named_once() -> None:
    v1 = RuleBasedSpecWriter().initial(load_task("point_reach").spec)
    decorrelation = Finding(
        kind="return_fitness_decorrelation",
        severity="hacking",
        message="The return moves against the fitness.",
        evidence={"correlation": -0.9},
    )

    v2 = RuleBasedSpecCorrector().correct(v1, _analysis([HACKING, decorrelation]), CANDIDATE)
    alone = RuleBasedSpecCorrector().correct(v1, _analysis([decorrelation]), CANDIDATE)

    assert v2 is not None and alone is not None
    assert [line.split(" (")[0] for line in v2.diff] == ["added no_exploit_obstacle_clearance_bonus"]
    # Alone it has no behaviour to refuse, so it restates the most important checked criterion.
    added = {c.id: c for c in alone.criteria}["no_exploit_return_fitness_decorrelation"]
    assert added.check == "final(reached_goal)"
