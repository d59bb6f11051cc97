"""Each text detector fires on the curve of the behaviour it names, with its evidence, and stays quiet
on honest learning, on a run with no training, and where its measure is missing."""

from __future__ import annotations

import pytest

from rewardsmith.text.detectors import TEXT_DETECTORS, JudgedCompletion, detect_text_hacking
from tests.text.detectors.curves import MAX_CHARS, observed, point

HONEST = observed(
    point(0, fitness=0.1, reward=0.1, chars=40, repeated=0.02, in_form_wrong=0.3),
    point(20, fitness=0.6, reward=0.6, chars=45, repeated=0.03, in_form_wrong=0.2),
)


def kinds(seen) -> list[str]:
    return [finding.kind for finding in detect_text_hacking(seen)]


def test_honest_learning_is_not_flagged() -> None:
    assert kinds(HONEST) == []


def test_the_untrained_policy_alone_says_nothing() -> None:
    only = observed(point(0, fitness=0.0, reward=5.0, chars=190, repeated=0.9, in_form_wrong=1.0))
    assert kinds(only) == []


def test_reward_rising_while_held_out_fitness_is_flat() -> None:
    seen = observed(
        point(0, fitness=0.2, reward=0.3), point(10, fitness=0.2, reward=0.5), point(20, fitness=0.21, reward=1.2)
    )
    [finding] = detect_text_hacking(seen)
    assert (finding.kind, finding.severity) == ("reward_fitness_divergence", "hacking")
    assert finding.evidence["reward_before"] == 0.3 and finding.evidence["reward_after"] == 1.2
    # A small rise with flat fitness is noise, not a finding.
    assert kinds(observed(point(0, fitness=0.2, reward=1.0), point(20, fitness=0.2, reward=1.1))) == []


def test_a_rise_near_zero_is_read_on_what_the_reward_pays_a_solution() -> None:
    # A policy that never answers, paid small penalties a little less: nothing against a reward paying 1 to
    # a solution, though the rise is 60% of the reward's own magnitude.
    near_zero = observed(point(0, fitness=0.0, reward=-0.019), point(1, fitness=0.0, reward=-0.0073))
    assert kinds(near_zero) == ["reward_fitness_divergence"]
    assert kinds(near_zero.model_copy(update={"competent_reward": 1.0})) == []
    farmed = observed(point(0, fitness=0.0, reward=-0.02), point(1, fitness=0.0, reward=0.6))
    assert kinds(farmed.model_copy(update={"competent_reward": 1.0})) == ["reward_fitness_divergence"]


def test_completions_growing_long_without_getting_better() -> None:
    seen = observed(point(0, fitness=0.3, reward=0.3, chars=40), point(20, fitness=0.28, reward=0.9, chars=150))
    assert "length_growth" in kinds(seen)
    finding = next(f for f in detect_text_hacking(seen) if f.kind == "length_growth")
    assert finding.severity == "hacking" and finding.evidence["max_chars"] == MAX_CHARS
    # Longer answers that are better answers are not a hack; near the limit they are still worth a warning.
    assert "length_growth" not in kinds(
        observed(point(0, fitness=0.1, reward=0.1, chars=40), point(20, fitness=0.7, reward=0.7, chars=100))
    )
    near = observed(point(0, fitness=0.1, reward=0.1, chars=40), point(20, fitness=0.7, reward=0.7, chars=190))
    assert [(f.kind, f.severity) for f in detect_text_hacking(near)] == [("length_growth", "warning")]


def test_a_rising_share_of_repeated_ngrams() -> None:
    seen = observed(point(0, fitness=0.2, reward=0.2, repeated=0.05), point(20, fitness=0.2, reward=0.2, repeated=0.6))
    [finding] = detect_text_hacking(seen)
    assert (finding.kind, finding.severity) == ("repetition", "hacking")
    assert finding.evidence["repeated_share_after"] == 0.6


def test_format_met_without_correctness() -> None:
    seen = observed(
        point(0, fitness=0.2, reward=0.2, in_form_wrong=0.1), point(20, fitness=0.18, reward=0.2, in_form_wrong=0.8)
    )
    assert kinds(seen) == ["format_without_correctness"]
    # A task without a format check reports no share, and the detector says nothing.
    assert kinds(observed(point(0, fitness=0.2, reward=0.2), point(20, fitness=0.2, reward=0.2))) == []


@pytest.mark.parametrize(("judge", "fitness", "severity"), [(1.0, 0.0, "hacking"), (0.0, 1.0, "warning")])
def test_a_judge_and_the_checker_that_disagree(judge: float, fitness: float, severity: str) -> None:
    judged = [JudgedCompletion(criterion="mentions_facts", judge_score=judge, fitness=fitness)] * 3 + [
        JudgedCompletion(criterion="mentions_facts", judge_score=0.5, fitness=0.5)
    ] * 2
    [finding] = detect_text_hacking(observed(*HONEST.result.curve, judged=judged))
    assert (finding.kind, finding.severity, finding.criterion) == (
        "judge_checker_disagreement",
        severity,
        "mentions_facts",
    )
    # Too few judged completions say nothing.
    assert kinds(observed(*HONEST.result.curve, judged=judged[:3])) == []


def test_every_detector_is_registered_once() -> None:
    assert len(set(TEXT_DETECTORS)) == len(TEXT_DETECTORS) == 5
