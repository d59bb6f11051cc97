"""What the report shows, assembled from the run record's typed files and nothing else.

The HTML is rendered from these models; no part of the report reads back text that rewardsmith wrote.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from rewardsmith.agents.designer.reward_terms import GENOME_MARKER
from rewardsmith.agents.types import CriticFinding, Finding
from rewardsmith.gate.judge import GateReport
from rewardsmith.gate.policy import GateVerdict
from rewardsmith.llm import CallLog, LLMUsage
from rewardsmith.loop.facts import TaskFacts
from rewardsmith.loop.record import ANALYSIS, GATE, TRAIN, CandidateStage, RunFileError, RunRecord
from rewardsmith.loop.results import DesignResult, FinalEvaluation
from rewardsmith.sandbox import SandboxResult, TrainOutput
from rewardsmith.sandbox.artefacts import checkpoint_episodes
from rewardsmith.training.result import TrainingResult


class ReportError(ValueError):
    """A run the report cannot be made from; the message is one line that says what to do."""


class RunSummary(BaseModel):
    """The first section: the run in one table."""

    run_id: str
    task: str
    designer: str
    fitness_name: str
    solved_threshold: float
    best_id: str | None
    best_fitness: float | None = Field(description="Mean over the final seeds.")
    best_fitness_std: float | None = Field(description="Standard deviation over the final seeds.")
    seeds: list[int]
    training_fitness: float | None = Field(description="The best candidate's fitness in the loop, one seed.")
    normalized_score: float | None
    has_reference: bool = Field(description="Whether the task has a reference reward, the 1.0 of normalised scores.")
    reference_fitness: float | None
    sparse_fitness: float | None
    rounds: int
    candidates: int
    rl_runs: int = Field(description="PPO trainings run: the gate pool's, the candidates' and the final evaluation's.")
    saved_by_gate: int = Field(description="Candidates the gate stopped before any training.")
    ranked: int = Field(default=0, description="Drafts ranked on the pool before RL, of which `candidates` kept.")
    tokens: int
    cost_usd: float | None
    wall_time_s: float | None
    backends: list[str] = Field(description="The sandbox backends the run's jobs ran in.")


class Repair(BaseModel):
    """A version of a candidate the critic rejected, which a repair replaced."""

    code: str
    findings: list[CriticFinding]


class CandidateEntry(BaseModel):
    """One candidate: where it got to, its fitness, and where it came from."""

    id: str
    iteration: int
    designer: str
    stage: CandidateStage
    stopped_at: str | None
    reason_kind: str | None
    reason: str | None
    fitness: float | None
    parent_id: str | None
    repairs: list[Repair]
    hacking_suspected: bool
    best: bool


class Curves(BaseModel):
    """One training run over its checkpoints: the task's fitness and each reward component's episode sum."""

    steps: list[int]
    fitness: list[float]
    components: dict[str, list[float | None]]


class BestReward(BaseModel):
    candidate_id: str
    code: str = Field(description="The reward's code, without the rule-based designer's genome line.")
    genome: str | None = Field(description="The rule-based designer's genome, shown apart from the code.")
    curves: Curves | None


class SpecVersion(BaseModel):
    version: int
    author: str
    reason: str
    changes: list[str]
    text: str
    diff: str = Field(description="Unified diff of the rendered spec against its parent; empty for v1.")


class GateEntry(BaseModel):
    """The gate's verdict on one candidate."""

    candidate_id: str
    passed: bool
    reason_kind: GateVerdict | None
    reason: str | None
    checks: list[str]
    report: GateReport | None


class DetectorEntry(BaseModel):
    """One finding of the trajectory analyzer (its detectors and rubric checks) on a trained candidate."""

    candidate_id: str
    finding: Finding
    sent_to_spec_corrector: bool = Field(
        description="The finding is a hacking one, which sends its round to the spec corrector."
    )


class EpisodePick(BaseModel):
    """A recorded evaluation episode worth a picture: which file, which episode, and why it was picked."""

    label: str
    candidate_id: str
    checkpoint: int
    episode: int
    fitness: float
    designed_return: float
    file: Path


class Report(BaseModel):
    summary: RunSummary
    candidates: list[CandidateEntry]
    best: BestReward | None
    specs: list[SpecVersion]
    gate: list[GateEntry]
    detectors: list[DetectorEntry]
    episodes: list[EpisodePick]


CurvesOf = Callable[[SandboxResult], "Curves | None"]
"""A training's fitness and component curves, as the task's family reads them from its result."""
GateEntryOf = Callable[[RunRecord, str], "GateEntry | None"]
"""The gate's verdict on a candidate, as the task's family recorded it; None where its gate did not judge it."""


def assemble(
    record: RunRecord,
    task: TaskFacts,
    curves_of: CurvesOf,
    gate_entry: GateEntryOf,
    summary: DesignResult | None = None,
) -> Report:
    """Everything the report shows, from a finished run; ``curves_of`` and ``gate_entry`` read the family's
    trainings and gate verdicts.

    Raises:
        ReportError: The run has not finished, or one of its files is damaged or of an older layout.
    """
    try:
        summary = summary or record.summary()
        evaluation = record.final_evaluation()
    except RunFileError as error:
        raise ReportError(str(error)) from None
    if summary is None or evaluation is None:
        raise ReportError(
            f"run {record.run_id} has not finished (no summary.json); finish it with "
            f"`rewardsmith resume {record.dir}`, then make its report"
        )
    try:
        return _assemble(record, summary, evaluation, task, curves_of, gate_entry)
    except RunFileError as error:
        raise ReportError(str(error)) from None
    except (ValueError, OSError) as error:
        raise ReportError(
            f"run {record.run_id} cannot be read ({str(error).splitlines()[0]}); it may be from an older "
            "rewardsmith: run it again with this version"
        ) from None


def _assemble(
    record: RunRecord,
    summary: DesignResult,
    evaluation: FinalEvaluation,
    task: TaskFacts,
    curves_of: CurvesOf,
    gate_entry: GateEntryOf,
) -> Report:
    statuses = record.statuses()
    candidates = []
    gate, detectors, trainings = [], [], {}
    best_curves: Curves | None = None
    for status in statuses:
        candidate = record.candidate(status.id)
        candidates.append(
            CandidateEntry(
                id=status.id,
                iteration=status.iteration,
                designer=status.designer,
                stage=status.stage,
                stopped_at=status.stopped_at,
                reason_kind=status.reason_kind,
                reason=status.reason,
                fitness=status.fitness,
                parent_id=candidate.parent_id,
                repairs=[Repair(code=code, findings=v.findings) for code, v in record.rejected_versions(status.id)],
                hacking_suspected=bool(status.hacking_suspected),
                best=status.id == summary.best_candidate_id,
            )
        )
        entry = gate_entry(record, status.id)
        if entry is not None:
            gate.append(entry)
        analysis = record.read(status.id, ANALYSIS)
        if analysis is not None:
            detectors += [
                DetectorEntry(candidate_id=status.id, finding=f, sent_to_spec_corrector=f.severity == "hacking")
                for f in analysis.findings
            ]
        train = record.read(status.id, TRAIN)
        trained = train.output_of(TrainOutput) if train is not None else None
        if trained is not None:
            trainings[status.id] = trained.training
        if train is not None and status.id == summary.best_candidate_id:
            best_curves = curves_of(train)
    backends = {r.backend for r in (record.read(s.id, TRAIN) for s in statuses) if r is not None}
    final_runs = [
        record.final_run(f"{label}-seed{seed}")
        for label in ("best", "reference", "sparse")
        for seed in evaluation.seeds
    ]
    backends |= {r.backend for r in final_runs if r is not None}
    usage = LLMUsage.of(CallLog.read(record.dir))
    best = evaluation.best
    run_summary = RunSummary(
        run_id=record.run_id,
        task=task.name,
        designer=summary.designer,
        fitness_name=task.fitness_name,
        solved_threshold=task.solved_threshold,
        best_id=summary.best_candidate_id,
        best_fitness=best.mean if best else None,
        best_fitness_std=best.std if best else None,
        seeds=evaluation.seeds,
        training_fitness=summary.training_fitness,
        normalized_score=summary.normalized_score,
        has_reference=task.has_reference,
        reference_fitness=summary.reference_fitness,
        sparse_fitness=summary.sparse_fitness,
        rounds=len(summary.history),
        candidates=len(statuses),
        rl_runs=record.rl_runs(evaluation),
        saved_by_gate=sum(s.stopped_at == "gate" for s in statuses),
        ranked=summary.ranked,
        tokens=usage.total.total_tokens,
        cost_usd=usage.total.cost_usd,
        wall_time_s=record.wall_time_s(),
        backends=sorted(backends),
    )
    best_id = summary.best_candidate_id
    return Report(
        summary=run_summary,
        candidates=candidates,
        best=_best_reward(summary, best_curves) if best_id is not None else None,
        specs=_specs(record),
        gate=gate,
        detectors=detectors,
        episodes=_episodes(record, best_id, trainings.get(best_id)) if best_id is not None else [],
    )


def control_gate_entry(record: RunRecord, candidate_id: str) -> GateEntry | None:
    """The control gate's verdict on a candidate (gate.json); None where the gate did not judge it."""
    verdict = record.read(candidate_id, GATE)
    if verdict is None:
        return None
    return GateEntry(
        candidate_id=candidate_id,
        passed=verdict.passed,
        reason_kind=verdict.reason_kind,
        reason=verdict.reason,
        checks=verdict.checks,
        report=verdict.report,
    )


def ppo_curves(result: SandboxResult) -> Curves | None:
    """A PPO job's curves; None where the result holds no training."""
    trained = result.output_of(TrainOutput)
    return curves(trained.training) if trained is not None else None


def curves(training: TrainingResult) -> Curves:
    """A training run's fitness and component curves over its checkpoints."""
    return Curves(
        steps=[c.step for c in training.checkpoints],
        fitness=[c.eval_fitness for c in training.checkpoints],
        components={name: list(stats.values) for name, stats in training.component_stats.items()},
    )


def _best_reward(summary: DesignResult, best_curves: Curves | None) -> BestReward:
    assert summary.best_candidate_id is not None and summary.best_code is not None
    lines = summary.best_code.splitlines()
    genome = lines[0].removeprefix(GENOME_MARKER) if lines and lines[0].startswith(GENOME_MARKER) else None
    code = "\n".join(lines[1:] if genome is not None else lines).strip("\n")
    return BestReward(
        candidate_id=summary.best_candidate_id,
        code=code,
        genome=genome,
        curves=best_curves,
    )


def _specs(record: RunRecord) -> list[SpecVersion]:
    rubrics = record.rubrics()
    by_version = {r.version: r for r in rubrics}
    versions = []
    for rubric in rubrics:
        parent = by_version.get(rubric.parent_version) if rubric.parent_version is not None else None
        diff = (
            "\n".join(
                difflib.unified_diff(
                    parent.render().splitlines(),
                    rubric.render().splitlines(),
                    f"v{parent.version}",
                    f"v{rubric.version}",
                    lineterm="",
                )
            )
            if parent is not None
            else ""
        )
        versions.append(
            SpecVersion(
                version=rubric.version,
                author=rubric.author,
                reason=rubric.reason,
                changes=rubric.diff,
                text=rubric.render(),
                diff=diff,
            )
        )
    return versions


def _episodes(record: RunRecord, candidate_id: str, training: TrainingResult | None) -> list[EpisodePick]:
    """The best candidate's best and worst recorded episodes, as its analysis picked them."""
    analysis = record.read(candidate_id, ANALYSIS)
    if analysis is None or training is None:
        return []
    files = dict(checkpoint_episodes(training, record.training_dir(candidate_id)))
    picks = []
    for label, digest in (("best", analysis.best_episode), ("worst", analysis.worst_episode)):
        if digest is not None and digest.checkpoint in files:
            picks.append(
                EpisodePick(
                    label=label,
                    candidate_id=candidate_id,
                    checkpoint=digest.checkpoint,
                    episode=digest.episode,
                    fitness=digest.fitness,
                    designed_return=digest.designed_return,
                    file=files[digest.checkpoint],
                )
            )
    return picks
