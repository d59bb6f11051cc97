"""The rule-based analyzer for text tasks: what GRPO with a candidate reward taught the policy.

It reads the :class:`~rewardsmith.text.training.TextTrainingResult` (greedy held-out completions at each
evaluation point, and the sampled training completions between them) and writes what a designer acts on:
each reward component's mean over the training completions at every evaluation point, with its spread,
slope, share and correlation with held-out fitness; the held-out fitness against the untrained policy's;
the completions' length and repeated n-grams; the text detectors' findings
(:func:`~rewardsmith.text.detectors.detect_text_hacking`) and suggestions.

An episode of a text task is one completion, and the result keeps no per-completion record, so the
analysis has no best or worst episode; the reflection quotes the trained policy's held-out samples instead.

:func:`analysis_from_text_gate` turns a gate rejection into an analysis, one hacking finding per probe
that won, so the spec corrector names an exploit found before training as it names one found after.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

import numpy as np

from rewardsmith.agents.analyzer.gate_findings import GATE_ANALYZER
from rewardsmith.agents.analyzer.rule_based import ANTI_CORRELATION, MIN_SHARE, pearson
from rewardsmith.agents.types import Analysis, Candidate, ComponentReflection, Finding
from rewardsmith.gate.exploits import TEXT_PROBE_FINDINGS, TEXT_PROBE_MEANINGS
from rewardsmith.rewards.rubric import Rubric
from rewardsmith.text.agents.spec import TEXT_EXPLOITS
from rewardsmith.text.detectors import TextObserved, detect_text_hacking
from rewardsmith.text.detectors.common import FITNESS_STILL
from rewardsmith.text.gate import TextGateResult
from rewardsmith.text.task import TextTask
from rewardsmith.text.training.result import EvalPoint, TextTrainingResult

ANALYZER = "rule-based"
#: Held-out completions of the trained policy quoted in the reflection, each cut to this many characters.
SAMPLES_SHOWN = 3
SAMPLE_CHARS = 160
LOW_FITNESS_SUGGESTION = (
    "Held-out fitness did not rise above the untrained policy's: make sure the reward pays a correct answer in the "
    "required form clearly more than anything else, and give partial credit that leads there (the right form, a "
    "number where one is asked) without paying it as much as a correct answer."
)


class RuleBasedTextAnalyzer:
    """Analyses one GRPO run of a text reward without an LLM."""

    name = ANALYZER

    def analyze(
        self,
        candidate: Candidate,
        result: TextTrainingResult,
        rubric: Rubric,
        task: TextTask,
        competent_reward: float | None = None,
    ) -> Analysis:
        """Reflect on the GRPO run of ``candidate``.

        Args:
            candidate: The candidate that was trained.
            result: Its learning curve.
            rubric: The current specification, named in the reflection.
            task: The task trained on; its length limit is what the detectors measure against.
            competent_reward: The median reward of the task's solutions, the scale reward changes are read on.

        Returns:
            The analysis: fitness is the final held-out fitness, and the reflection is what a designer reads.
        """
        fitness: list[float | None] = [point.held_out_fitness for point in result.curve]
        components = _component_reflections(result, fitness)
        findings = [
            *detect_text_hacking(
                TextObserved(result=result, max_chars=task.max_chars, competent_reward=competent_reward)
            ),
            *_component_findings(components),
            *_fitness_findings(result),
        ]
        analysis = Analysis(
            candidate_id=candidate.id,
            fitness=result.final_fitness,
            components=components,
            total_fitness_correlation=pearson([point.held_out_reward for point in result.curve], fitness),
            best_episode=None,
            worst_episode=None,
            findings=findings,
            hacking_suspected=any(finding.severity == "hacking" for finding in findings),
            suggestions=_suggestions(findings),
            reflection="",
            analyzer=self.name,
        )
        return analysis.model_copy(update={"reflection": render_reflection(analysis, candidate, result, rubric, task)})


# ---- components -----------------------------------------------------------------------------------


def component_curves(result: TextTrainingResult) -> dict[str, list[float | None]]:
    """Each component's mean over the training completions before each evaluation point; None at step 0.

    An evaluation point's own ``train_components`` are used where it has them, else the mean of the steps'
    records since the previous point.
    """
    names = sorted({name for point in result.curve for name in point.train_components} | _step_names(result))
    curves: dict[str, list[float | None]] = {name: [] for name in names}
    previous = -1
    for point in result.curve:
        since = [record for record in result.steps if previous < record.step <= point.step]
        previous = point.step
        for name in names:
            if name in point.train_components:
                curves[name].append(point.train_components[name])
            else:
                values = [record.components[name] for record in since if name in record.components]
                curves[name].append(statistics.fmean(values) if values else None)
    return curves


def _step_names(result: TextTrainingResult) -> set[str]:
    return {name for record in result.steps for name in record.components}


def _component_reflections(result: TextTrainingResult, fitness: list[float | None]) -> list[ComponentReflection]:
    curves = {name: values for name, values in component_curves(result).items() if any(v is not None for v in values)}
    magnitudes = {name: statistics.fmean(abs(v) for v in values if v is not None) for name, values in curves.items()}
    total = sum(magnitudes.values())
    reflections = []
    for name, values in curves.items():
        present = [v for v in values if v is not None]
        reflections.append(
            ComponentReflection(
                name=name,
                values=values,
                max=max(present),
                mean=statistics.fmean(present),
                min=min(present),
                trend=_slope(values),
                fitness_correlation=pearson(values, fitness),
                share=magnitudes[name] / total if total > 0 else 0.0,
            )
        )
    return reflections


def _slope(values: list[float | None]) -> float:
    """Least-squares slope per evaluation point, over the points that have a value."""
    points = [(index, value) for index, value in enumerate(values) if value is not None]
    if len(points) < 2:
        return 0.0
    xs, ys = np.array(points, dtype=np.float64).T
    slope = float(np.polyfit(xs, ys, 1)[0])
    # A constant component fits a slope of rounding error; say 0, not -4e-17.
    return 0.0 if abs(slope) < 1e-12 * max(1.0, float(np.abs(ys).max())) else slope


# ---- findings and suggestions ---------------------------------------------------------------------


def _component_findings(components: list[ComponentReflection]) -> list[Finding]:
    """A component of some weight whose curve moves against held-out fitness: earning it costs the task."""
    return [
        Finding(
            kind="anti_correlated_component",
            severity="warning",
            component=component.name,
            message=f"component '{component.name}' moved against held-out fitness over training (correlation "
            f"{component.fitness_correlation:.2f}, share {component.share:.0%}): earning it costs fitness",
            evidence={"values": component.values, "fitness_correlation": component.fitness_correlation},
        )
        for component in components
        if component.fitness_correlation is not None
        and component.fitness_correlation <= ANTI_CORRELATION
        and component.share >= MIN_SHARE
    ]


def _fitness_findings(result: TextTrainingResult) -> list[Finding]:
    if len(result.curve) < 2 or result.final_fitness - result.initial_fitness >= FITNESS_STILL:
        return []
    return [
        Finding(
            kind="low_fitness",
            severity="warning",
            message=f"held-out fitness went from {result.initial_fitness:.2f} (untrained) to "
            f"{result.final_fitness:.2f} after {result.curve[-1].step} GRPO steps: the policy did not learn the task",
            evidence={
                "fitness_before": result.initial_fitness,
                "fitness_after": result.final_fitness,
                "step": result.curve[-1].step,
            },
        )
    ]


def _suggestions(findings: list[Finding]) -> list[str]:
    suggestions: list[str] = []
    for finding in findings:
        wording = TEXT_EXPLOITS.get(finding.kind)
        if finding.kind == "low_fitness":
            text: str | None = LOW_FITNESS_SUGGESTION
        elif finding.kind == "anti_correlated_component":
            text = (
                f"Component '{finding.component}' rose as held-out fitness fell: drop it, or pay it only together "
                "with a correct answer."
            )
        else:
            text = wording.instead if wording else None
        if text is not None and text not in suggestions:
            suggestions.append(text)
    return suggestions


# ---- the gate's rejection as an analysis ------------------------------------------------------------


def analysis_from_text_gate(candidate_id: str, gate: TextGateResult) -> Analysis:
    """The analysis a spec corrector reads for a text reward the gate's probes caught: one hacking finding per
    probe that won, the one paid most above a correct completion first."""
    scores = {score.probe: score for score in gate.probes}
    findings = []
    for probe in gate.winners:
        score, meaning = scores[probe], TEXT_PROBE_MEANINGS[probe]
        findings.append(
            Finding(
                kind=TEXT_PROBE_FINDINGS[probe],
                severity="hacking",
                message=f"before any training, the gate's '{probe}' probe ({meaning.behaviour}; fitness "
                f"{score.fitness:.2f}) was paid a median {score.median_reward:.3g}, at least the median correct "
                f"completion's {gate.correct_median_reward:.3g}: GRPO would learn {meaning.pays_for} instead of the "
                "task",
                evidence={
                    "probe": probe,
                    "probe_reward": score.median_reward,
                    "correct_reward": gate.correct_median_reward,
                    "probe_fitness": score.fitness,
                    "correct_fitness": gate.correct_fitness,
                },
            )
        )
    return Analysis(
        candidate_id=candidate_id,
        fitness=float("nan"),
        components=[],
        total_fitness_correlation=None,
        best_episode=None,
        worst_episode=None,
        findings=findings,
        hacking_suspected=bool(findings),
        suggestions=_suggestions(findings),
        reflection=f"The gate rejected this reward before training: {gate.reason}.",
        analyzer=GATE_ANALYZER,
    )


# ---- the reflection -------------------------------------------------------------------------------


def render_reflection(
    analysis: Analysis, candidate: Candidate, result: TextTrainingResult, rubric: Rubric, task: TextTask
) -> str:
    """What a designer reads of the run: curves by evaluation step, components, findings and samples."""
    curve = result.curve
    steps = ", ".join(str(point.step) for point in curve)
    best = max(curve, key=lambda point: (point.held_out_fitness, point.step))
    lines = [
        f"Candidate {candidate.id} trained {curve[-1].step} GRPO steps on '{task.name}' from {result.model}, against "
        f"specification v{rubric.version}. Evaluation steps: [{steps}] (step 0 is the untrained policy).",
        f"Held-out fitness: {_series(p.held_out_fitness for p in curve)}; untrained {result.initial_fitness:.3f}, "
        f"final {result.final_fitness:.3f}, best {best.held_out_fitness:.3f} at step {best.step}.",
        f"Reward of the same held-out completions: {_series(p.held_out_reward for p in curve)}; correlation with "
        f"fitness {_number(analysis.total_fitness_correlation)}.",
        f"Mean completion length (characters, limit {task.max_chars}): "
        f"{_series(p.held_out.mean_chars for p in curve)}.",
        f"Share of repeated word n-grams: {_series(p.held_out.repeated_ngram_share for p in curve)}.",
    ]
    wrong_in_form = [p.held_out.format_without_correct for p in curve]
    if any(value is not None for value in wrong_in_form):
        lines.append(f"Share in the required form but wrong: {_series(wrong_in_form)}.")
    if analysis.components:
        lines.append("Reward components, mean over the training completions before each evaluation:")
        lines += [
            f"- {c.name}: {_series(c.values)}; max {_number(c.max)}, mean {_number(c.mean)}, min {_number(c.min)}, "
            f"slope {_number(c.trend)} per evaluation, share {c.share:.0%}, correlation with fitness "
            f"{_number(c.fitness_correlation)}"
            for c in analysis.components
        ]
    else:
        lines.append("No reward component was recorded during training.")
    if analysis.findings:
        lines.append("Findings:")
        lines += [f"- [{f.severity}] {f.kind}: {f.message} ({f.evidence_text()})" for f in analysis.findings]
    else:
        lines.append("Findings: none; the detectors saw no length growth, repetition or paid form without content.")
    if analysis.suggestions:
        lines.append("Suggestions:")
        lines += [f"- {suggestion}" for suggestion in analysis.suggestions]
    lines += _samples(curve[-1])
    return "\n".join(lines)


def _samples(point: EvalPoint) -> list[str]:
    if not point.samples:
        return []
    shown = [f"- {_cut(sample)!r}" for sample in point.samples[:SAMPLES_SHOWN]]
    return [f"Held-out completions of the policy at step {point.step}:", *shown]


def _cut(text: str) -> str:
    return text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS] + "…"


def _number(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.3g}"


def _series(values: Iterable[float | None]) -> str:
    return "[" + ", ".join(_number(value) for value in values) + "]"
