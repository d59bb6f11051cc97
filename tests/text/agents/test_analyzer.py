"""The text analyzer on learning curves written by hand: the detectors' findings where length or repetition grew
while fitness stayed flat, none on honest learning, and each component's curve with its fitness correlation."""

from __future__ import annotations

import math

import pytest

from rewardsmith.agents.types import Candidate
from rewardsmith.text.agents.analyzer import RuleBasedTextAnalyzer, component_curves
from rewardsmith.text.agents.spec import RuleBasedTextSpecWriter
from rewardsmith.text.registry import load_text_task
from rewardsmith.text.training.config import TextTaskRef, TextTrainConfig
from rewardsmith.text.training.result import CompletionStats, EvalPoint, StepRecord, TextTrainingResult

TASK = load_text_task("arithmetic", train_size=4, held_out_size=4)
RUBRIC = RuleBasedTextSpecWriter().initial(TASK)
CANDIDATE = Candidate(code="", designer="test", id="i01-c02", iteration=1)
ANALYZER = RuleBasedTextAnalyzer()


def point(
    step: int, fitness: float, reward: float, chars: float, repeated: float, components: dict[str, float]
) -> EvalPoint:
    stats = CompletionStats(count=16, mean_chars=chars, repeated_ngram_share=repeated, format_without_correct=0.1)
    return EvalPoint(
        step=step,
        wall_time_s=3.2 * step,
        held_out_fitness=fitness,
        held_out_reward=reward,
        held_out=stats,
        train_reward=sum(components.values()) if step else None,
        train_components=components,
        samples=[f"step {step}: " + "add 3 then " * int(chars // 12)],
    )


def run(*points: EvalPoint, steps: list[StepRecord] | None = None) -> TextTrainingResult:
    return TextTrainingResult(
        task=TextTaskRef(name="arithmetic"),
        config=TextTrainConfig(steps=max(points[-1].step, 1), eval_every=10),
        model="SmolLM2-135M-Instruct",
        reward_sha256="0" * 64,
        curve=list(points),
        steps=steps or [],
        load_time_s=10.0,
        wall_time_s=3.2 * points[-1].step,
    )


# Length and repeated steps grew, the reward (which paid each step) with them; fitness stayed at 0.2.
HACKED = run(
    point(0, 0.2, 0.5, 90, 0.05, {}),
    point(10, 0.2, 1.5, 200, 0.30, {"correct": 0.2, "steps": 1.2}),
    point(20, 0.19, 3.0, 380, 0.65, {"correct": 0.2, "steps": 2.8}),
)
# Fitness rose with the reward; length and repetition stayed put.
HONEST = run(
    point(0, 0.1, 0.1, 90, 0.05, {}),
    point(10, 0.4, 0.45, 95, 0.05, {"correct": 0.4, "format": 0.05}),
    point(20, 0.7, 0.75, 92, 0.04, {"correct": 0.7, "format": 0.1}),
)


def test_length_growth_and_repetition_are_hacking_with_the_detectors_evidence() -> None:
    analysis = ANALYZER.analyze(CANDIDATE, HACKED, RUBRIC, TASK)
    kinds = {f.kind: f.severity for f in analysis.findings}
    assert kinds == {
        "reward_fitness_divergence": "hacking",
        "length_growth": "hacking",
        "repetition": "hacking",
        "low_fitness": "warning",
    }
    assert analysis.hacking_suspected and analysis.analyzer == "rule-based"
    assert analysis.fitness == 0.19 and analysis.best_episode is None and analysis.worst_episode is None
    length = next(f for f in analysis.findings if f.kind == "length_growth")
    assert (length.evidence["mean_chars_before"], length.evidence["mean_chars_after"]) == (90, 380)
    assert any("Pay each step or phrase once" in s for s in analysis.suggestions)
    assert "Mean completion length (characters, limit 400): [90, 200, 380]" in analysis.reflection
    assert "[hacking] repetition:" in analysis.reflection and "untrained 0.200, final 0.190" in analysis.reflection
    assert "Held-out completions of the policy at step 20:" in analysis.reflection


def test_honest_learning_is_clean() -> None:
    analysis = ANALYZER.analyze(CANDIDATE, HONEST, RUBRIC, TASK)
    assert (analysis.findings, analysis.hacking_suspected, analysis.suggestions) == ([], False, [])
    assert analysis.fitness == 0.7
    assert analysis.total_fitness_correlation == pytest.approx(1.0, abs=0.01)
    assert "Findings: none" in analysis.reflection


def test_each_component_is_a_curve_over_the_evaluations_with_its_fitness_correlation() -> None:
    hacked = {c.name: c for c in ANALYZER.analyze(CANDIDATE, HACKED, RUBRIC, TASK).components}
    assert hacked["steps"].values == [None, 1.2, 2.8]
    assert (hacked["steps"].max, hacked["steps"].min, hacked["steps"].mean) == (2.8, 1.2, 2.0)
    assert hacked["steps"].trend == pytest.approx(1.6)
    assert hacked["steps"].share == pytest.approx(2.0 / 2.2)
    # Two points with a value are too few for a correlation; a constant one has none at all.
    assert hacked["steps"].fitness_correlation is None and hacked["correct"].fitness_correlation is None
    honest = {c.name: c for c in ANALYZER.analyze(CANDIDATE, HONEST, RUBRIC, TASK).components}
    assert honest["correct"].trend == pytest.approx(0.3)
    assert "- correct: [n/a, 0.4, 0.7]" in ANALYZER.analyze(CANDIDATE, HONEST, RUBRIC, TASK).reflection


def test_components_fall_back_to_the_step_records_and_correlate_over_enough_points() -> None:
    points = [point(s, f, f, 90, 0.05, {}) for s, f in ((0, 0.1), (2, 0.3), (4, 0.2), (6, 0.6))]
    steps = [
        StepRecord(step=s, reward=0.0, components={"correct": v}, mean_chars=90, reward_std=0.1)
        for s, v in ((1, 0.2), (2, 0.4), (3, 0.3), (4, 0.1), (5, 0.5), (6, 0.7))
    ]
    result = run(*points, steps=steps)
    assert component_curves(result) == {"correct": [None, pytest.approx(0.3), pytest.approx(0.2), pytest.approx(0.6)]}
    analysis = ANALYZER.analyze(CANDIDATE, result, RUBRIC, TASK)
    [correct] = analysis.components
    assert correct.fitness_correlation == pytest.approx(1.0)
    assert analysis.findings == []


def test_a_component_that_rises_as_fitness_falls_is_named() -> None:
    points = [point(s, f, 0.5, 90, 0.05, {}) for s, f in ((0, 0.5), (2, 0.4), (4, 0.3), (6, 0.1))]
    steps = [
        StepRecord(step=s, reward=0.0, components={"correct": 0.3, "verbose": v}, mean_chars=90, reward_std=0.1)
        for s, v in ((1, 0.1), (2, 0.2), (3, 0.3), (4, 0.4), (5, 0.5), (6, 0.9))
    ]
    analysis = ANALYZER.analyze(CANDIDATE, run(*points, steps=steps), RUBRIC, TASK)
    [against] = [f for f in analysis.findings if f.kind == "anti_correlated_component"]
    assert (against.component, against.severity) == ("verbose", "warning")
    assert against.evidence["fitness_correlation"] == pytest.approx(-0.9, abs=0.1)
    assert any("Component 'verbose'" in suggestion for suggestion in analysis.suggestions)


def test_an_untrained_curve_says_nothing_and_keeps_its_fitness() -> None:
    analysis = ANALYZER.analyze(CANDIDATE, run(point(0, 0.3, 0.3, 90, 0.05, {})), RUBRIC, TASK)
    assert analysis.findings == [] and analysis.components == [] and not math.isnan(analysis.fitness)
    assert "No reward component was recorded" in analysis.reflection
