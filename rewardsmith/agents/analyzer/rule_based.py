"""The rule-based trajectory analyzer: what training with a candidate reward actually produced.

It reads the :class:`~rewardsmith.training.TrainingResult` (curves per checkpoint) and the recorded
episodes (``episodes/checkpoint_NN.npz``) and writes an Eureka-style reflection: each reward
component's episode sum at every checkpoint with its max, mean and min, how each component and the
designed return correlate with the task fitness, each component's share, the best and worst
recorded episodes, the rubric's machine checks, findings, and suggestions a designer can act on.

The designed return per checkpoint is the deterministic evaluation's mean return: it is measured on
the very episodes the fitness is, at every checkpoint, so the two curves compare like for like
(training episodes need not end between two checkpoints). For the same reason the component that
drives a divergence is read off the recorded evaluation episodes where there are any, and off the
training curves otherwise.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from rewardsmith.agents.analyzer.detectors import detect_hacking, load_recordings
from rewardsmith.agents.types import Analysis, Candidate, ComponentReflection, EpisodeDigest, EvidenceValue, Finding
from rewardsmith.gate.evidence import PoolEvidence
from rewardsmith.rewards.rubric import DEFAULT_GOAL_FLAG, Rubric, RubricCheckResult, evaluate_rubric, load_episodes
from rewardsmith.tasks.registry import load_task
from rewardsmith.tasks.spec import TaskSpec
from rewardsmith.training.result import TrainingResult

ANALYZER = "rule-based"
#: A component whose checkpoint values spread less than this share of their magnitude is flat.
FLAT_TOLERANCE = 0.01
#: Above this share of the summed |components| one component is all the policy optimises.
DOMINANT_SHARE = 0.8
#: At or below this Pearson correlation with fitness a component works against the task.
ANTI_CORRELATION = -0.5
#: Components below this share of the reward are too small for their correlation to matter.
MIN_SHARE = 0.02
#: The designed return "rises" when its fitted change over training exceeds this share of its magnitude.
RETURN_RISE = 0.1
#: Fitness is "flat" within, and "falling" below minus, this share of the task's fitness range.
FITNESS_STILL = 0.05
#: At or above this correlation with the return, a fitness that barely moves is still following it.
TRACKING = 0.5
#: A drop of the fitness from its best by more than this share of its range, while the return still
#: climbs, is hacking that set in after the policy had learnt the task.
LATE_DROP = 0.2
#: Points of each curve shown in the reflection, like Eureka's.
REFLECTION_POINTS = 10


class RuleBasedAnalyzer:
    """Analyses one trained candidate without an LLM."""

    name = ANALYZER

    def analyze(
        self,
        candidate: Candidate,
        result: TrainingResult,
        run_dir: Path,
        rubric: Rubric,
        *,
        task: TaskSpec | None = None,
        rubric_results: list[RubricCheckResult] | None = None,
        pool: PoolEvidence | None = None,
    ) -> Analysis:
        """Reflect on a training run of ``candidate``.

        Args:
            candidate: The candidate that was trained.
            result: Its training result.
            run_dir: The training output directory; episode files are read relative to it.
            rubric: The specification whose machine checks run on the best checkpoint's episodes.
            task: The task's spec; looked up by ``result.task`` in the registry when omitted.
            rubric_results: The rubric's checks as the sandbox evaluated them (on the confirming job's
                episodes); evaluated here on the recorded episodes when omitted.
            pool: The evidence outside the policy (the gate pool's competent trajectories scored by this
                reward, random play, the reference run); the detectors that need it stay silent without.

        Returns:
            The analysis, with the reflection text a designer reads.

        Raises:
            TaskLoadError: ``task`` is omitted and ``result.task`` is not a registered task name.
        """
        spec = task or load_task(result.task).spec
        fitness = [checkpoint.eval_fitness for checkpoint in result.checkpoints]
        returns: list[float | None] = [checkpoint.eval_return for checkpoint in result.checkpoints]
        components = _component_reflections(result, fitness)
        digests = _episode_digests(result, run_dir, spec)
        # Ties go to the later checkpoint (the trained policy); the worst is another episode than the best.
        best = max(digests, key=lambda d: (d.fitness, d.checkpoint), default=None)
        others = [d for d in digests if d is not best] or digests
        worst = min(others, key=lambda d: (d.fitness, -d.checkpoint), default=None)
        if rubric_results is None:
            rubric_results = _rubric_results(result, run_dir, rubric, spec)
        findings = [
            *_component_findings(components, result, fitness),
            *_divergence_findings(returns, fitness, _component_curves(components, digests), spec),
            *_fitness_findings(result, spec),
            *_rubric_findings(rubric_results),
            *detect_hacking(result, load_recordings(result, run_dir), spec, pool),
        ]
        suggestions = _suggestions(findings, components, spec)
        analysis = Analysis(
            candidate_id=candidate.id,
            fitness=result.fitness,
            components=components,
            total_fitness_correlation=pearson(returns, fitness),
            best_episode=best,
            worst_episode=worst,
            rubric_results=rubric_results,
            findings=findings,
            hacking_suspected=any(finding.severity == "hacking" for finding in findings),
            suggestions=suggestions,
            reflection="",
            analyzer=self.name,
        )
        reflection = render_reflection(analysis, candidate, result, rubric, spec, returns)
        return analysis.model_copy(update={"reflection": reflection})


# ---- statistics -------------------------------------------------------------------------------


def pearson(xs: list[float | None], ys: list[float | None]) -> float | None:
    """Pearson correlation over the pairs where both are present; None below 3 pairs or without spread."""
    pairs = [(x, y) for x, y in zip(xs, ys, strict=True) if x is not None and y is not None]
    if len(pairs) < 3:
        return None
    x, y = np.array(pairs, dtype=np.float64).T
    if np.std(x) < 1e-12 or np.std(y) < 1e-12:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _change(values: list[float | None]) -> float:
    """The least-squares line's rise from the first to the last point."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return 0.0
    xs, ys = np.array(points, dtype=np.float64).T
    return float(np.polyfit(xs, ys, 1)[0] * (xs[-1] - xs[0]))


def _sample(values: list[float | None], points: int = REFLECTION_POINTS) -> list[float | None]:
    if len(values) <= points:
        return values
    indices = np.linspace(0, len(values) - 1, points).round().astype(int)
    return [values[i] for i in indices]


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.3g}"


def _curve(values: list[float | None]) -> str:
    return "[" + ", ".join(_fmt(v) for v in _sample(values)) + "]"


# ---- components ---------------------------------------------------------------------------------


def _component_reflections(result: TrainingResult, fitness: list[float]) -> list[ComponentReflection]:
    means = {
        name: float(np.mean([abs(v) for v in stats.values if v is not None]))
        for name, stats in result.component_stats.items()
        if any(v is not None for v in stats.values)
    }
    total = sum(means.values())
    return [
        ComponentReflection(
            name=name,
            values=stats.values,
            max=stats.max,
            mean=stats.mean,
            min=stats.min,
            trend=stats.trend,
            fitness_correlation=pearson(stats.values, list(fitness)),
            share=means.get(name, 0.0) / total if total > 0 else 0.0,
        )
        for name, stats in result.component_stats.items()
    ]


def _is_flat(component: ComponentReflection) -> bool:
    present = [v for v in component.values if v is not None]
    if len(present) < 2:
        return False
    magnitude = max(abs(component.max), abs(component.min))
    return component.max - component.min <= FLAT_TOLERANCE * magnitude + 1e-8


def _per_step(values: list[float | None], lengths: list[float | None]) -> list[float | None]:
    return [
        v / length if v is not None and length is not None and length > 0 else None
        for v, length in zip(values, lengths, strict=True)
    ]


def _anti_correlated(component: ComponentReflection, lengths: list[float | None], fitness: list[float]) -> bool:
    if component.fitness_correlation is None or component.fitness_correlation > ANTI_CORRELATION:
        return False
    if component.share < MIN_SHARE:
        return False
    # A per-step penalty sums to more the longer episodes get, so where fitness is survival it
    # anti-correlates for that reason alone; only a per-step rate that also falls counts.
    rate = pearson(_per_step(component.values, lengths), list(fitness))
    return rate is None or rate <= ANTI_CORRELATION


def _component_findings(
    components: list[ComponentReflection], result: TrainingResult, fitness: list[float]
) -> list[Finding]:
    lengths = [checkpoint.train_episode_length for checkpoint in result.checkpoints]
    findings = []
    for component in components:
        evidence: dict[str, EvidenceValue] = {"values": _sample(component.values)}
        if _is_flat(component):
            findings.append(
                Finding(
                    kind="flat_component",
                    severity="warning",
                    component=component.name,
                    message=f"Component '{component.name}' stayed at about {_fmt(component.mean)} per episode "
                    "across training, so it gave the policy nothing to improve on.",
                    evidence=evidence,
                )
            )
        elif _anti_correlated(component, lengths, fitness):
            findings.append(
                Finding(
                    kind="anti_correlated_component",
                    severity="warning",
                    component=component.name,
                    message=f"Component '{component.name}' moves against the task fitness "
                    f"(correlation {component.fitness_correlation:.2f}): earning it costs fitness.",
                    evidence=evidence,
                )
            )
        if len(components) > 1 and component.share > DOMINANT_SHARE:
            findings.append(
                Finding(
                    kind="dominant_component",
                    severity="warning",
                    component=component.name,
                    message=f"Component '{component.name}' makes up {component.share:.0%} of the reward's "
                    "magnitude; the other terms barely reach the policy.",
                    evidence=evidence,
                )
            )
    return findings


# ---- hacking: the designed return against the fitness -------------------------------------------


def _component_curves(
    components: list[ComponentReflection], digests: list[EpisodeDigest]
) -> dict[str, list[float | None]]:
    """Each component's episode sum per checkpoint: recorded evaluation episodes first, else training."""
    checkpoints = sorted({digest.checkpoint for digest in digests})
    if len(checkpoints) >= 2:
        names = sorted({name for digest in digests for name in digest.components})
        return {
            name: [
                float(np.mean([d.components[name] for d in digests if d.checkpoint == c and name in d.components]))
                if any(d.checkpoint == c and name in d.components for d in digests)
                else None
                for c in checkpoints
            ]
            for name in names
        }
    return {component.name: component.values for component in components}


def _divergence_findings(
    returns: list[float | None], fitness: list[float], curves: dict[str, list[float | None]], spec: TaskSpec
) -> list[Finding]:
    pairs = [(r, f) for r, f in zip(returns, fitness, strict=True) if r is not None]
    if len(pairs) < 3:
        return []
    r, f = (list(series) for series in zip(*pairs, strict=True))
    span = spec.fitness.high - spec.fitness.low
    scale = max(max(abs(v) for v in r), 1e-8)
    rise = _change(r) / scale
    fitness_change = _change(f) / span
    unsolved = max(f) < spec.fitness.solved_threshold
    best = int(np.argmax(f))
    late_drop = (f[best] - f[-1]) / span > LATE_DROP and (r[-1] - r[best]) / scale > RETURN_RISE
    # A return that climbs with a fitness that inches up in step is slow learning, not hacking.
    tracking = (pearson(list(r), list(f)) or 0.0) >= TRACKING
    steady_divergence = (
        rise > RETURN_RISE
        and not tracking
        and (fitness_change < -FITNESS_STILL or (abs(fitness_change) <= FITNESS_STILL and unsolved))
    )
    if not (steady_divergence or late_drop):
        return []
    fell = fitness_change < -FITNESS_STILL or late_drop
    rising = {name: change for name, values in curves.items() if (change := _change(values)) > 0}
    # A bonus that grew was farmed. A penalty that only shrank towards zero was avoided: with a flat
    # fitness that is a policy learning to survive before it learns the task, and only a warning.
    farmed = {name: change for name, change in rising.items() if (_last(curves[name]) or 0.0) > 0}
    candidates = farmed or rising
    driver = max(candidates, key=lambda name: candidates[name]) if candidates else None
    avoided_only = bool(rising) and not farmed and not fell
    evidence: dict[str, EvidenceValue] = {"designed_return": _sample(list(r)), "fitness": _sample(list(f))}
    if avoided_only:
        return [
            Finding(
                kind="reward_fitness_divergence",
                severity="warning",
                component=driver,
                message=f"The designed return rose while the task fitness stayed flat, but only because penalty "
                f"'{driver}' shrank: the policy learnt to avoid it, not yet to do the task.",
                evidence=evidence,
            )
        ]
    driven = f" Component '{driver}' rose the most, so it is what the policy learnt to farm." if driver else ""
    return [
        Finding(
            kind="reward_fitness_divergence",
            severity="hacking",
            component=driver,
            message=f"The designed return rose while the task fitness {'fell' if fell else 'stayed flat'}: the "
            f"policy found a way to earn reward without doing the task.{driven}",
            evidence=evidence,
        )
    ]


def _last(values: list[float | None]) -> float | None:
    return next((v for v in reversed(values) if v is not None), None)


def _fitness_findings(result: TrainingResult, spec: TaskSpec) -> list[Finding]:
    threshold = spec.fitness.solved_threshold
    if result.fitness >= threshold:
        return []
    return [
        Finding(
            kind="low_fitness",
            severity="warning",
            message=f"The best evaluation fitness {_fmt(result.fitness)} ({spec.fitness.name}) is below the "
            f"solved threshold {_fmt(threshold)}.",
            evidence={"fitness": _sample([c.eval_fitness for c in result.checkpoints])},
        )
    ]


# ---- episodes and rubric ------------------------------------------------------------------------


def _episode_files(result: TrainingResult, run_dir: Path) -> list[tuple[int, Path]]:
    return [
        (checkpoint.index, run_dir / checkpoint.episode_file)
        for checkpoint in result.checkpoints
        if checkpoint.episode_file is not None and (run_dir / checkpoint.episode_file).is_file()
    ]


def _best_files(result: TrainingResult, run_dir: Path) -> list[Path]:
    files = _episode_files(result, run_dir)
    if not files:
        return []
    best = [path for index, path in files if index == result.best_checkpoint]
    # The kept policy is the best checkpoint's; without its recording the latest one stands in.
    return best or [files[-1][1]]


def _rubric_results(result: TrainingResult, run_dir: Path, rubric: Rubric, spec: TaskSpec) -> list[RubricCheckResult]:
    files = _best_files(result, run_dir)
    if not files:
        return [
            RubricCheckResult(criterion_id=c.id, check=c.check or "", passed=None, detail="no recorded episodes")
            for c in rubric.criteria
        ]
    return evaluate_rubric(rubric, files, goal_flag=spec.goal_flag() or DEFAULT_GOAL_FLAG)


def _rubric_findings(results: list[RubricCheckResult]) -> list[Finding]:
    return [
        Finding(
            kind="rubric_violation",
            severity="warning",
            criterion=result.criterion_id,
            message=f"Rubric criterion '{result.criterion_id}' fails: {result.check} "
            f"(value {_fmt(result.value)}; {result.detail}).",
            evidence={"value": result.value, "detail": result.detail},
        )
        for result in results
        if result.passed is False
    ]


def _episode_digests(result: TrainingResult, run_dir: Path, spec: TaskSpec) -> list[EpisodeDigest]:
    digests = []
    for index, path in _episode_files(result, run_dir):
        episodes = load_episodes(path)
        rewards = sorted(key.removeprefix("reward/") for key in episodes if key.startswith("reward/"))
        for episode, length in enumerate(np.asarray(episodes["length"]).astype(int).tolist()):
            digests.append(
                EpisodeDigest(
                    checkpoint=index,
                    episode=episode,
                    fitness=float(episodes["fitness"][episode]),
                    length=length,
                    designed_return=float(np.nansum(episodes["reward_total"][episode][:length])),
                    components={
                        name: float(np.nansum(episodes[f"reward/{name}"][episode][:length])) for name in rewards
                    },
                    summary=summarise_episode(episodes, episode, spec),
                )
            )
    return digests


def summarise_episode(episodes: dict[str, np.ndarray], episode: int, spec: TaskSpec) -> str:
    """How the desired variables and the action moved over one recorded episode, in plain text."""
    length = int(episodes["length"][episode])
    parts = []
    for variable in spec.state_variables:
        key = f"state/{variable.name}"
        if key not in episodes or (variable.desired is None and variable.name != "action"):
            continue
        trace = np.asarray(episodes[key][episode][:length], dtype=np.float64)
        if not len(trace):
            continue
        label = f"{variable.name} ({variable.desired})" if variable.desired else variable.name
        if variable.desired in ("true", "false"):
            flat = trace.reshape(len(trace), -1).any(axis=1)
            steps = np.flatnonzero(flat)
            parts.append(f"{label}: set at step {steps[0] + 1}" if len(steps) else f"{label}: never set")
        elif variable.name == "action":
            state = "constant" if float(np.std(trace)) < 1e-9 else f"std {_fmt(float(np.std(trace)))}"
            parts.append(f"{label}: mean |a| {_fmt(float(np.mean(np.abs(trace))))}, {state}")
        else:
            start, end = _magnitude(trace[0]), _magnitude(trace[-1])
            parts.append(
                f"{label}: {_fmt(start)} → {_fmt(end)}, mean {_fmt(float(np.mean(trace)))}, "
                f"mean |x| {_fmt(float(np.mean(np.abs(trace))))}, range [{_fmt(float(trace.min()))}, "
                f"{_fmt(float(trace.max()))}]"
            )
    return f"{length} steps; " + "; ".join(parts)


def _magnitude(value: np.ndarray) -> float:
    # A vector variable is summarised by its norm, a scalar by itself.
    array = np.asarray(value, dtype=np.float64)
    return float(array) if array.ndim == 0 else float(np.linalg.norm(array))


# ---- suggestions and the reflection text --------------------------------------------------------


def _suggestions(findings: list[Finding], components: list[ComponentReflection], spec: TaskSpec) -> list[str]:
    suggestions = []
    shares = {component.name: component.share for component in components}
    for finding in findings:
        name = finding.component
        if finding.kind == "reward_fitness_divergence":
            suggestions.append(
                f"Remove or cap '{name}', and tie reward to task progress instead."
                if name
                else "Tie the reward to task progress; the return grows without it."
            )
        elif finding.kind == "dominant_component" and name:
            suggestions.append(
                f"Scale '{name}' down (share {shares.get(name, 0.0):.0%}) so that the other terms shape behaviour."
            )
        elif finding.kind == "flat_component" and name:
            suggestions.append(
                f"Make '{name}' vary with behaviour: raise its weight, sharpen its temperature, or drop it if it is "
                "a constant offset."
            )
        elif finding.kind == "anti_correlated_component" and name:
            suggestions.append(f"Drop '{name}' or reverse its intent; it rewards the opposite of the task.")
        elif finding.kind == "rubric_violation":
            suggestions.append(f"Add or strengthen a term that serves rubric criterion '{finding.criterion}'.")
        elif finding.kind == "degenerate_behaviour":
            suggestions.append("Make doing nothing (or one fixed action) earn less than attempting the task.")
    if any(finding.kind == "low_fitness" for finding in findings):
        flags = [v.name for v in spec.state_variables if v.desired == "true"]
        pairs = [v.name for v in spec.state_variables if v.name.startswith("previous_")]
        extra = []
        if flags:
            extra.append(f"a success bonus on {', '.join(flags)}")
        if pairs:
            extra.append(f"progress terms from {', '.join(pairs)}")
        suggestions.append(
            "Fitness is below the solved threshold: " + (f"consider {' and '.join(extra)}." if extra else "reshape.")
        )
    return list(dict.fromkeys(suggestions))


def render_reflection(
    analysis: Analysis,
    candidate: Candidate,
    result: TrainingResult,
    rubric: Rubric,
    spec: TaskSpec,
    returns: list[float | None],
) -> str:
    """The text a designer reads, in the shape of Eureka's policy feedback, plus findings and checks."""
    fitness = [checkpoint.eval_fitness for checkpoint in result.checkpoints]
    present = [v for v in returns if v is not None]
    lines = [
        f"Reward candidate {candidate.id} ({candidate.designer}) on {spec.name}, trained {result.steps} steps "
        f"with {len(result.checkpoints)} checkpoints.",
        f"Task fitness ({spec.fitness.name}, solved at {_fmt(spec.fitness.solved_threshold)}): best "
        f"{_fmt(result.fitness)} at checkpoint {result.best_checkpoint}, final {_fmt(result.final_fitness)}; "
        f"per checkpoint {_curve(list(fitness))}.",
    ]
    if present:
        lines.append(
            f"designed return (evaluation episodes): {_curve(returns)}, Max: {_fmt(max(present))}, "
            f"Mean: {_fmt(float(np.mean(present)))}, Min: {_fmt(min(present))}, "
            f"correlation with fitness {_fmt(analysis.total_fitness_correlation)}"
        )
    lines.append("Reward components (mean per-episode sum of the training episodes at each checkpoint):")
    for component in analysis.components:
        lines.append(
            f"component {component.name}: {_curve(component.values)}, Max: {_fmt(component.max)}, "
            f"Mean: {_fmt(component.mean)}, Min: {_fmt(component.min)}, trend {component.trend:+.3g}/checkpoint, "
            f"correlation with fitness {_fmt(component.fitness_correlation)}, share {component.share:.0%}"
        )
    for label, digest in (("Best", analysis.best_episode), ("Worst", analysis.worst_episode)):
        if digest is None:
            lines.append(f"{label} recorded episode: none recorded.")
            continue
        sums = ", ".join(f"{name} {_fmt(value)}" for name, value in digest.components.items())
        lines.append(
            f"{label} recorded episode (checkpoint {digest.checkpoint}, episode {digest.episode}): fitness "
            f"{_fmt(digest.fitness)}, designed return {_fmt(digest.designed_return)} ({sums}). {digest.summary}"
        )
    if analysis.rubric_results:
        lines.append(f"Rubric v{rubric.version} checks on the kept policy's recorded episodes:")
        for check in analysis.rubric_results:
            state = {True: "passed", False: "FAILED", None: "not evaluated"}[check.passed]
            shown = f"{check.check} → value {_fmt(check.value)}; " if check.check else ""
            lines.append(f"- {check.criterion_id}: {state} ({shown}{check.detail})")
    lines.append("Findings:" if analysis.findings else "Findings: none.")
    for finding in analysis.findings:
        evidence = f" [{finding.evidence_text()}]" if finding.evidence else ""
        lines.append(f"- [{finding.severity}] {finding.kind}: {finding.message}{evidence}")
    if analysis.suggestions:
        lines.append("Suggestions:")
        lines += [f"- {suggestion}" for suggestion in analysis.suggestions]
    return "\n".join(lines)
