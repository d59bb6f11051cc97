"""The rubric's machine-check language: values on hand-made episodes, and hostile checks refused."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from rewardsmith.rewards.rubric import (
    CHECK_FUNCTIONS,
    MAX_CHECK_CHARS,
    Criterion,
    Rubric,
    RubricCheckError,
    check_names,
    evaluate_check,
    evaluate_rubric,
    parse_check,
)

NAN = math.nan


@pytest.fixture
def episodes() -> dict[str, np.ndarray]:
    """Two episodes as training records them: [k, T, ...] traces, NaN after each episode's length."""
    return {
        "state/pole_angle": np.array([[0.1, -0.1, 0.3, NAN], [0.0, 0.02, -0.02, 0.0]]),
        "state/reached_goal": np.array([[0.0, 0.0, 1.0, NAN], [0.0, 0.0, 0.0, 0.0]]),
        "state/action": np.array([[[1.0, -1.0], [0.5, 0.5], [0.0, 0.0], [NAN, NAN]], [[0.0, 0.0]] * 4]),
        "length": np.array([3, 4]),
        "fitness": np.array([1.0, 0.0]),
    }


@pytest.mark.parametrize(
    ("check", "per_episode_side", "pass_rate"),
    [
        ("mean(abs(pole_angle)) < 0.05", [0.5 / 3, 0.01], 0.5),
        ("final(reached_goal)", [1.0, 0.0], 0.5),
        ("initial(pole_angle) > 0.05", [0.1, 0.0], 0.5),
        ("max(pole_angle) >= 0.3", [0.3, 0.02], 0.5),
        ("min(pole_angle) < -0.05", [-0.1, -0.02], 0.5),
        ("sum(abs(pole_angle)) < 1", [0.5, 0.04], 1.0),
        ("std(pole_angle) > 0.1", [np.std([0.1, -0.1, 0.3]), np.std([0.0, 0.02, -0.02, 0.0])], 0.5),
        ("count(reached_goal) == 1", [1.0, 0.0], 0.5),
        ("fraction(abs(pole_angle) < 0.2) > 0.9", [2 / 3, 1.0], 0.5),
        ("length >= 4", [3.0, 4.0], 0.5),
        ("time_to_goal < 5", [3.0, NAN], 0.5),
        ("mean(abs(action)) < 0.5", [(2 + 1 + 0) / 6, 0.0], 0.5),
        ("0.05 > mean(abs(pole_angle))", [0.5 / 3, 0.01], 0.5),
        ("0 < length < 4", [3.0, 4.0], 0.5),
        ("max(pole_angle) ** 2 * 100 + 1 > 2", [10.0, 1.04], 0.5),
        ("mean(abs(diff(pole_angle))) < 0.1", [0.3, 0.08 / 3], 0.5),
        ("reversals(pole_angle) > 0.5", [1.0, 1.0], 1.0),
        ("reversals(action) < 0.25", [0.5, 0.0], 0.5),
    ],
)
def test_checks_evaluate_per_episode(
    episodes: dict[str, np.ndarray], check: str, per_episode_side: list[float], pass_rate: float
) -> None:
    result = evaluate_check(check, episodes, criterion_id="c")

    assert result.criterion_id == "c" and result.check == check
    assert result.episodes == 2
    assert result.pass_rate == pytest.approx(pass_rate)
    assert result.passed is (pass_rate >= 0.5)
    finite = [value for value in per_episode_side if not math.isnan(value)]
    assert result.value == pytest.approx(np.mean(finite))


def test_steps_after_an_episode_ends_are_ignored(episodes: dict[str, np.ndarray]) -> None:
    # The NaN padding of the first episode would make every reduction NaN if it leaked in.
    result = evaluate_check("max(pole_angle) < 1", episodes)
    assert result.pass_rate == 1.0


def test_boolean_operators_are_elementwise(episodes: dict[str, np.ndarray]) -> None:
    both = evaluate_check("final(reached_goal) and length == 3", episodes)
    either = evaluate_check("final(reached_goal) or length == 4", episodes)
    negated = evaluate_check("not final(reached_goal)", episodes)
    inside = evaluate_check("fraction(pole_angle > 0 and pole_angle < 0.2) > 0.3", episodes)

    assert (both.pass_rate, either.pass_rate, negated.pass_rate) == (0.5, 1.0, 0.5)
    assert inside.value == pytest.approx(np.mean([1 / 3, 1 / 4]))


@pytest.mark.parametrize(
    ("trace", "share"),
    [
        ([1.0, -1.0, 1.0, -1.0, 1.0], 1.0),
        # A pause keeps the direction it interrupted: each switch of a held two-valued signal turns.
        ([1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0], 2 / 5),
        ([0.0, 1.0, 2.0, 3.0], 0.0),
        ([2.0, 2.0, 2.0], 0.0),
        ([1.0, 2.0], 0.0),
        ([], NAN),
    ],
)
def test_reversals_is_the_share_of_steps_that_turn_back(trace: list[float], share: float) -> None:
    value = CHECK_FUNCTIONS["reversals"](np.array(trace))
    assert value == pytest.approx(share, nan_ok=True)


def test_diff_is_the_change_along_time_and_empty_for_a_number() -> None:
    assert CHECK_FUNCTIONS["diff"](np.array([[0.0, 1.0], [1.0, 3.0], [3.0, 3.0]])).tolist() == [[1.0, 2.0], [2.0, 0.0]]
    # A reduced value has no steps: what reduces it next is NaN, so a check on it fails rather than raises.
    assert CHECK_FUNCTIONS["diff"](2.0).size == 0
    assert math.isnan(CHECK_FUNCTIONS["reversals"](2.0))
    episodes = {"state/x": np.array([[1.0, 2.0, 3.0]]), "length": np.array([3])}
    result = evaluate_check("mean(diff(mean(x))) < 1", episodes)
    assert result.passed is False and result.value is None


def test_pass_fraction_decides(episodes: dict[str, np.ndarray]) -> None:
    assert evaluate_check("final(reached_goal)", episodes, pass_fraction=0.5).passed is True
    assert evaluate_check("final(reached_goal)", episodes, pass_fraction=0.75).passed is False


def test_time_to_goal_reads_the_named_flag(episodes: dict[str, np.ndarray]) -> None:
    episodes["state/arrived"] = episodes.pop("state/reached_goal")
    assert evaluate_check("time_to_goal < 5", episodes).passed is None
    assert evaluate_check("time_to_goal < 5", episodes, goal_flag="arrived").value == 3.0


def test_a_check_must_reduce_to_one_number(episodes: dict[str, np.ndarray]) -> None:
    result = evaluate_check("abs(pole_angle) < 0.05", episodes)
    assert result.passed is None
    assert "reduce it with mean()" in result.detail
    assert evaluate_check("final(action) > 0", episodes).passed is None


def test_a_missing_variable_is_reported_not_raised(episodes: dict[str, np.ndarray]) -> None:
    result = evaluate_check("mean(cart_position) < 1", episodes)
    assert result.passed is None
    assert "cart_position" in result.detail and "pole_angle" in result.detail


@pytest.mark.parametrize(
    ("check", "complaint"),
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("__import__('os').system('true')", "attribute access"),
        ("pole_angle.__class__", "attribute access"),
        ("mean(pole_angle).real > 0", "attribute access"),
        ("(lambda: 1)() > 0", "lambda"),
        ("2 ** 10 ** 10 > 1", "exponent"),
        ("mean(pole_angle) ** 9 > 1", "exponent"),
        ("mean(pole_angle) ** length > 1", "exponent"),
        ("pole_angle[0] > 0", "subscripts"),
        ("mean([x for x in pole_angle]) > 0", "comprehensions"),
        ("open('/etc/passwd')", "unknown function 'open'"),
        ("eval('1') > 0", "unknown function 'eval'"),
        ("'a' < 'b'", "not a number"),
        ("mean(pole_angle, axis=0) > 0", "keyword arguments"),
        ("mean(pole_angle, length) > 0", "exactly one positional argument"),
        ("mean > 0", "is a function"),
        ("(x := 1) > 0", "assignment expressions"),
        ("1 if length else 0", "conditional expressions"),
        ("import os", "not an expression"),
        ("mean(" * 300 + ")" * 300, "characters"),
        ("", "empty"),
        ("_secret > 0", "unknown name"),
    ],
)
def test_hostile_checks_are_refused(check: str, complaint: str, episodes: dict[str, np.ndarray]) -> None:
    with pytest.raises(RubricCheckError, match=complaint):
        parse_check(check)
    # Evaluation reports the refusal instead of raising, so one bad check cannot stop an analysis.
    result = evaluate_check(check, episodes)
    assert result.passed is None and complaint in result.detail


def test_the_length_limit_is_stated() -> None:
    with pytest.raises(RubricCheckError, match=str(MAX_CHECK_CHARS)):
        parse_check("length > 1 and " * 40 + "length > 1")


def test_names_are_checked_against_the_task_when_given() -> None:
    parse_check("mean(abs(pole_angle)) < 0.05 and time_to_goal < 10 and length > 1", names=["pole_angle"])
    with pytest.raises(RubricCheckError, match="unknown name 'pole_angel'"):
        parse_check("mean(abs(pole_angel)) < 0.05", names=["pole_angle"])
    assert check_names("mean(abs(pole_angle)) < 0.05 and time_to_goal < 3") == {"pole_angle", "time_to_goal"}


def test_criteria_refuse_hostile_checks_at_the_boundary() -> None:
    with pytest.raises(ValidationError, match="attribute access"):
        Criterion(id="x", text="x", weight=1.0, check="pole_angle.__class__")
    assert Criterion(id="x", text="x", weight=1.0, check="final(reached_goal)").pass_fraction == 0.5


def test_evaluate_rubric_pools_episodes_across_files(tmp_path: Path, episodes: dict[str, np.ndarray]) -> None:
    first, second = tmp_path / "checkpoint_00.npz", tmp_path / "checkpoint_01.npz"
    np.savez(first, **episodes)
    later = {key: value.copy() for key, value in episodes.items()}
    later["state/reached_goal"][1, 3] = 1.0  # the second episode now arrives on its last step
    np.savez(second, **later)
    rubric = Rubric(
        version=1,
        criteria=[
            Criterion(id="arrives", text="Reach the goal.", weight=2.0, check="final(reached_goal)", pass_fraction=0.7),
            Criterion(id="steady", text="Keep the pole steady.", weight=1.0, check="mean(abs(pole_angle)) < 0.05"),
            Criterion(id="graceful", text="Move gracefully.", weight=0.5),
            Criterion(id="centred", text="Stay centred.", weight=1.0, check="mean(abs(cart_position)) < 0.1"),
        ],
    )

    results = evaluate_rubric(rubric, [first, second])

    assert [r.criterion_id for r in results] == ["arrives", "steady", "graceful", "centred"]
    arrives, steady, graceful, centred = results
    assert (arrives.episodes, arrives.pass_rate, arrives.passed) == (4, 0.75, True)
    assert (steady.pass_rate, steady.passed) == (0.5, True)
    assert graceful.passed is None and graceful.detail == "no machine check"
    assert centred.passed is None and "cart_position" in centred.detail


def test_render_shows_checks_and_pass_fractions() -> None:
    rubric = Rubric(
        version=2,
        criteria=[Criterion(id="arrives", text="Reach the goal.", weight=2.0, check="final(reached_goal)")],
    )
    assert rubric.render() == (
        "Specification v2:\n- (2) arrives: Reach the goal.  [check: final(reached_goal), in ≥ 50% of episodes]"
    )
