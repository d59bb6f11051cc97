"""The text family: prompts a language model answers, verifier code scored at a gate of text probes, GRPO
on the embedded policy through TRL, in the sandbox, and the text detectors on its learning curve.

The run record is a control run's: the same candidates, stages, statuses, spec versions, final
evaluation and report. What differs is what a job does (``text_verify``, ``text_train``) and who reads
its output: the text agents (:mod:`rewardsmith.text.agents`) in place of the control ones.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from torch.utils.tensorboard import SummaryWriter

from rewardsmith.agents.protocols import Agents
from rewardsmith.agents.types import Analysis, Candidate, CriticVerdict, Draft, Rejection
from rewardsmith.config import AGENT_ROLES, DesignConfig
from rewardsmith.llm import RecordingModel
from rewardsmith.llm.choice import parse_llm_choice
from rewardsmith.llm.providers import LocalChoice
from rewardsmith.loop.agents import chat_models_for, designer_max_tokens, run_call_log
from rewardsmith.loop.facts import TaskFacts
from rewardsmith.loop.families.base import FamilyConfigError, GateDecision, Trained
from rewardsmith.loop.feedback import feedback_for, rejection_of
from rewardsmith.loop.jobs import fresh_out_dir
from rewardsmith.loop.record import TRAIN, VERIFY, Artefact, RunRecord
from rewardsmith.loop.report import ReportTask, write_html_report, write_report
from rewardsmith.loop.report.model import Curves, GateEntry
from rewardsmith.rewards.rubric import Rubric
from rewardsmith.sandbox import SandboxJob, SandboxLimits, SandboxResult, TextTrainJob, TextTrainOutput, prepare_job
from rewardsmith.sandbox.text_gate import judge_text_gate_result, text_gate_job, text_gate_plan
from rewardsmith.text.agents.analyzer import RuleBasedTextAnalyzer, analysis_from_text_gate
from rewardsmith.text.agents.critic import RuleBasedTextCritic
from rewardsmith.text.agents.designer import RuleBasedTextDesigner
from rewardsmith.text.agents.llm_analyzer import LLMTextAnalyzer
from rewardsmith.text.agents.llm_critic import LLMTextCritic
from rewardsmith.text.agents.llm_designer import LLMTextDesigner
from rewardsmith.text.agents.llm_spec import LLMTextSpecCorrector, LLMTextSpecWriter
from rewardsmith.text.agents.protocols import (
    SpecCorrector,
    TextAnalyzer,
    TextCritic,
    TextDesigner,
    TextDesignRequest,
    TextSpecWriter,
)
from rewardsmith.text.agents.spec import RuleBasedTextSpecCorrector, RuleBasedTextSpecWriter
from rewardsmith.text.context import render_text_context
from rewardsmith.text.gate import TextGatePlan, TextGateResult
from rewardsmith.text.registry import is_text_task
from rewardsmith.text.task import TextTask
from rewardsmith.text.training import TEXT_TRAIN_MEMORY_MB, TextTaskRef, TextTrainConfig, TextTrainingResult

if TYPE_CHECKING:
    from rewardsmith.llm import CallRecord, ChatModel
    from rewardsmith.loop.context import LoopContext
    from rewardsmith.loop.record import CandidateStatus
    from rewardsmith.loop.results import FinalEvaluation

#: The gate's verdict on a text candidate, beside the control gate's gate.json.
TEXT_GATE = Artefact("text_gate.json", TextGateResult)
#: Held-out fitness at which a text task counts as solved: the trusted checker passes nine answers in ten.
SOLVED_THRESHOLD = 0.9
#: Training prompts the designer's context quotes.
CONTEXT_EXAMPLES = 3
#: Completions of the current policy the designer's context quotes.
CONTEXT_COMPLETIONS = 4


@dataclass(frozen=True)
class TextAgents:
    """The text family's agents: the offline ones unless others are given."""

    designer: TextDesigner
    critic: TextCritic
    spec_writer: TextSpecWriter
    spec_corrector: SpecCorrector
    analyzer: TextAnalyzer


def offline_text_agents() -> TextAgents:
    """The rule-based text agents, which need no model."""
    return TextAgents(
        designer=RuleBasedTextDesigner(),
        critic=RuleBasedTextCritic(),
        spec_writer=RuleBasedTextSpecWriter(),
        spec_corrector=RuleBasedTextSpecCorrector(),
        analyzer=RuleBasedTextAnalyzer(),
    )


@dataclass
class TextFamily:
    """A built-in text task, by the reference its jobs generate it from, with its agents."""

    ref: TextTaskRef
    text_agents: TextAgents = field(default_factory=offline_text_agents)
    _task: TextTask | None = field(default=None, repr=False)

    @classmethod
    def open(cls, task_ref: str) -> TextFamily | None:
        """The text task ``task_ref`` names; None where it names none (a control task, a task file)."""
        return cls(TextTaskRef(name=task_ref)) if is_text_task(task_ref) else None

    @property
    def task(self) -> TextTask:
        if self._task is None:
            self._task = self.ref.load()
        return self._task

    @property
    def facts(self) -> TaskFacts:
        return TaskFacts(
            name=self.ref.name,
            family="text",
            fitness_name="held_out_fitness",
            solved_threshold=SOLVED_THRESHOLD,
            sparse_reward_code=self.task.sparse_reward_code,
            reference_reward_code=self.task.reference_reward_code,
            step_unit="GRPO steps",
        )

    def check(self, config: DesignConfig) -> None:
        """Any role may be a model (``--llm`` or ``--<role>-llm``); the judge must be in the jobs' reach; a text
        task trains on the CPU for now."""
        check_judge(config)
        if config.device not in ("auto", "cpu"):
            raise FamilyConfigError(
                f"text tasks train on the CPU for now (--device {config.device}); pass --device cpu"
            )

    def agents(
        self,
        config: DesignConfig,
        run_dir: Path,
        rubric_text: Callable[[], str],
        *,
        models: Mapping[str, ChatModel] | None,
        on_call: Callable[[CallRecord], None] | None,
    ) -> Agents:
        """The run's control agents are never called on a text task; each text agent whose role the config names a
        model for is that model's (the ``spec`` role's writes v1 and corrects it), the others stay rule-based. Every
        call is recorded in the run's llm_calls.jsonl, and the one budget they spend is the one returned.

        Raises:
            LLMChoiceError, LLMUnavailableError: As :func:`~rewardsmith.loop.agents.chat_models_for`, where
                ``models`` is None (a resumed run builds its models again from its config).
        """
        roles = [role for role in AGENT_ROLES if _calls_a_model(config.llm_for(role))]
        if not roles:
            return Agents()
        built = models if models is not None else chat_models_for(config)
        log = run_call_log(config, run_dir, on_call)

        def chat(role: str) -> RecordingModel:
            return RecordingModel(built[role], log, role)

        # --max-tokens overrides every agent; otherwise each keeps its own default.
        limit = {"max_tokens": config.max_tokens} if config.max_tokens else {}
        held = self.text_agents
        self.text_agents = TextAgents(
            designer=LLMTextDesigner(
                chat("designer"), temperature=config.temperature, max_tokens=designer_max_tokens(config)
            )
            if "designer" in roles
            else held.designer,
            critic=LLMTextCritic(chat("critic"), rubric_text, **limit) if "critic" in roles else held.critic,
            spec_writer=LLMTextSpecWriter(chat("spec"), **limit) if "spec" in roles else held.spec_writer,
            spec_corrector=LLMTextSpecCorrector(chat("spec"), **limit) if "spec" in roles else held.spec_corrector,
            analyzer=LLMTextAnalyzer(chat("analyzer"), **limit) if "analyzer" in roles else held.analyzer,
        )
        return Agents(budget=log.budget)

    # ---- specify, design and critic --------------------------------------------------------------

    def initial_rubric(self, ctx: LoopContext) -> Rubric:
        return self.text_agents.spec_writer.initial(self.task)

    def prepare(self, ctx: LoopContext) -> None:
        # The text gate's completions are made per candidate from the task alone: nothing to build once.
        return None

    def design_request(self, ctx: LoopContext, iteration: int, rubric_version: int) -> TextDesignRequest:
        task = self.task
        examples = list(task.train[:CONTEXT_EXAMPLES])
        completions = self._policy_completions(ctx.record)
        return TextDesignRequest(
            task=self.ref,
            description=task.description,
            max_chars=task.max_chars,
            examples=examples,
            policy_completions=completions,
            context=render_text_context(task, examples, completions),
            rubric=ctx.record.rubric(rubric_version),
            iteration=iteration,
            samples=ctx.config.samples,
            seed=ctx.config.seed * 100_003 + iteration,
            feedback=feedback_for(ctx.record, iteration, lambda status: self.rejection(ctx, status)),
        )

    def _policy_completions(self, record: RunRecord) -> list[str]:
        """The latest trained policy's greedy held-out completions: the best candidate's, at its last point."""
        trained = [s for s in record.statuses() if s.stage == "trained" and s.fitness is not None]
        if not trained:
            return []
        best = max(trained, key=lambda s: s.fitness or float("-inf"))
        result = record.read(best.id, TRAIN)
        output = result.output_of(TextTrainOutput) if result is not None else None
        if output is None or not output.training.curve:
            return []
        return output.training.curve[-1].samples[:CONTEXT_COMPLETIONS]

    def design(self, ctx: LoopContext, iteration: int, rubric_version: int) -> list[Draft]:
        return self.text_agents.designer.design(self.design_request(ctx, iteration, rubric_version))

    def review(self, ctx: LoopContext, candidate: Candidate) -> CriticVerdict:
        return self.text_agents.critic.review(candidate, self.task)

    def repair(
        self, ctx: LoopContext, candidate: Candidate, verdict: CriticVerdict, iteration: int, rubric_version: int
    ) -> Draft | None:
        request = self.design_request(ctx, iteration, rubric_version)
        return self.text_agents.designer.repair(candidate, verdict, request)

    # ---- verify and gate -------------------------------------------------------------------------

    def gate_plan(self, ctx: LoopContext) -> TextGatePlan:
        """The correct completions and every probe's, the same for every candidate of the run."""
        return text_gate_plan(self.ref, seed=ctx.config.seed)

    def verify(self, ctx: LoopContext, candidate_id: str) -> SandboxResult:
        """The candidate's code on the gate's completions, in one sandboxed ``text_verify`` job: a reward that
        raises, returns NaN or the wrong length fails here, typed."""
        limits = SandboxLimits(wall_time_s=ctx.config.verify_timeout_s, threads=ctx.config.threads)
        job = text_gate_job(self.ref, self.gate_plan(ctx), limits=limits, judge=ctx.config.judge_llm)
        job = job.model_copy(update={"id": f"verify-{candidate_id}"})
        candidate_dir = ctx.record.candidate_dir(candidate_id)
        job_dir = prepare_job(job, (candidate_dir / "reward.py").read_text(), candidate_dir / "jobs" / "verify")
        return ctx.sandbox.run(job, job_dir, fresh_out_dir(candidate_dir / "verify_out"))

    def gate(self, ctx: LoopContext, candidate_id: str) -> GateDecision:
        verified = ctx.record.read(candidate_id, VERIFY)
        assert verified is not None
        judged = judge_text_gate_result(self.gate_plan(ctx), verified)
        if not isinstance(judged, TextGateResult):
            return GateDecision(passed=False, kind=judged.failure.kind, reason=judged.reason)
        ctx.record.write(candidate_id, TEXT_GATE, judged)
        if judged.passed:
            return GateDecision(passed=True)
        return GateDecision(passed=False, kind="gate_probe", reason=judged.reason)

    # ---- train and analyze -----------------------------------------------------------------------

    def train_config(self, ctx: LoopContext, seed: int) -> TextTrainConfig:
        """The GRPO settings of every training of the run: ``--steps`` optimiser steps (TRL's default batch)."""
        steps = {"steps": ctx.config.steps} if ctx.config.steps is not None else {}
        return TextTrainConfig(seed=seed, **steps).checked()

    def _train_job(self, ctx: LoopContext, job_id: str, seed: int) -> SandboxJob:
        memory_mb = ctx.config.memory_mb if ctx.config.memory_mb is not None else TEXT_TRAIN_MEMORY_MB
        return SandboxJob(
            id=job_id,
            job=TextTrainJob(task=self.ref, config=self.train_config(ctx, seed), judge=ctx.config.judge_llm),
            limits=SandboxLimits(wall_time_s=ctx.config.job_timeout_s, threads=ctx.config.threads, memory_mb=memory_mb),
        )

    def train(self, ctx: LoopContext, candidate_id: str, rubric_version: int) -> SandboxResult:
        job = self._train_job(ctx, f"train-{candidate_id}", ctx.config.seed)
        candidate_dir = ctx.record.candidate_dir(candidate_id)
        job_dir = prepare_job(job, (candidate_dir / "reward.py").read_text(), candidate_dir / "jobs" / "train")

        def progress(steps: int, total: int) -> None:
            ctx.reporter.training_progress(candidate_id, steps, total)

        return ctx.sandbox.run(job, job_dir, fresh_out_dir(candidate_dir / "training"), on_progress=progress)

    def trained(self, result: SandboxResult) -> Trained | None:
        return trained_by_grpo(result)

    def after_training(self, ctx: LoopContext, candidate_id: str, result: SandboxResult) -> None:
        return None

    def analyze(self, ctx: LoopContext, candidate_id: str, rubric_version: int) -> Analysis:
        result = ctx.record.read(candidate_id, TRAIN)
        output = result.output_of(TextTrainOutput) if result is not None else None
        assert output is not None
        solutions = output.verify.rewards
        return self.text_agents.analyzer.analyze(
            ctx.record.candidate(candidate_id),
            output.training,
            ctx.record.rubric(rubric_version),
            self.task,
            competent_reward=statistics.median(solutions) if solutions else None,
        )

    def gate_analysis(self, ctx: LoopContext, status: CandidateStatus) -> Analysis | None:
        gate = ctx.record.read(status.id, TEXT_GATE) if status.reason_kind == "gate_probe" else None
        return analysis_from_text_gate(status.id, gate) if gate is not None else None

    def correct_spec(self, ctx: LoopContext, rubric: Rubric, analysis: Analysis, candidate: Candidate) -> Rubric | None:
        return self.text_agents.spec_corrector.correct(rubric, analysis, candidate)

    def rejection(self, ctx: LoopContext, status: CandidateStatus) -> Rejection:
        gate = ctx.record.read(status.id, TEXT_GATE) if status.stopped_at == "gate" else None
        return rejection_of(status, text_probes=list(gate.winners) if gate is not None else [])

    # ---- final evaluation and report -------------------------------------------------------------

    def final_train(self, ctx: LoopContext, name: str, seed: int, reward_code: str) -> SandboxResult:
        run_dir = ctx.record.final_run_dir(name)
        job = self._train_job(ctx, f"final-{name}", seed)
        return ctx.sandbox.run(job, prepare_job(job, reward_code, run_dir / "job"), fresh_out_dir(run_dir / "training"))

    def final_steps(self, ctx: LoopContext) -> int:
        return self.train_config(ctx, ctx.config.seed).steps

    @property
    def report_task(self) -> ReportTask:
        return ReportTask(facts=self.facts, curves_of=grpo_curves, gate_entry=text_gate_entry, events_of=grpo_events)

    def write_report(self, ctx: LoopContext, evaluation: FinalEvaluation, history: Sequence[Any]) -> None:
        write_report(ctx.record, self.report_task, evaluation, history)

    def html_report(self, record: RunRecord) -> Path:
        return write_html_report(record, self.report_task)


def check_judge(config: DesignConfig) -> None:
    """The judge must be reachable from the run's jobs: an isolating sandbox gives them no network and none of
    the host's files, so there only the embedded model (``local``, in the sandbox image) can judge."""
    judge = config.judge_llm
    if judge is None or config.sandbox == "none":
        return
    choice = parse_llm_choice(judge)
    if not choice.calls_a_model:
        raise FamilyConfigError(f"--judge-llm {judge} names no model; name one, or drop it for the embedded model")
    if choice.text != LocalChoice().text:
        raise FamilyConfigError(
            f"--judge-llm {judge} is out of reach of --sandbox {config.sandbox}, whose jobs have no network and none "
            "of this machine's files; use the embedded judge (drop --judge-llm) or --sandbox none (trusted code only)"
        )


def _calls_a_model(llm: str | None) -> bool:
    return llm is not None and parse_llm_choice(llm).calls_a_model


def trained_by_grpo(result: SandboxResult) -> Trained | None:
    """What a GRPO job's result says: the held-out fitness at its last evaluation; None where it holds none."""
    output = result.output_of(TextTrainOutput)
    if output is None:
        return None
    training: TextTrainingResult = output.training
    return Trained(
        fitness=training.final_fitness,
        final_fitness=training.final_fitness,
        steps=len(training.steps),
        wall_time_s=training.wall_time_s,
    )


def text_gate_entry(record: RunRecord, candidate_id: str) -> GateEntry | None:
    """The text gate's verdict on a candidate, each probe's pay beside competence as its evidence."""
    verdict = record.read(candidate_id, TEXT_GATE)
    if verdict is None:
        return None
    checks = [
        f"probe {p.probe}: median reward {p.median_reward:.3f} vs correct {verdict.correct_median_reward:.3f} "
        f"(fitness {p.fitness:.2f})" + (" (paid as much)" if p.wins else "" if p.counts else " (as fit as correct)")
        for p in verdict.probes
    ]
    return GateEntry(
        candidate_id=candidate_id,
        passed=verdict.passed,
        reason_kind=None if verdict.passed else "gate_probe",
        reason=None if verdict.passed else verdict.reason,
        checks=checks,
        report=None,
    )


def grpo_events(folder: Path, result: SandboxResult) -> None:
    """A GRPO job's learning curve as TensorBoard scalars, at each evaluation point and each step."""
    output = result.output_of(TextTrainOutput)
    if output is None:
        return
    training = output.training
    with SummaryWriter(str(folder)) as writer:
        for point in training.curve:
            writer.add_scalar("eval/held_out_fitness", point.held_out_fitness, point.step)
            writer.add_scalar("eval/held_out_reward", point.held_out_reward, point.step)
            writer.add_scalar("eval/mean_chars", point.held_out.mean_chars, point.step)
            writer.add_scalar("eval/repeated_ngram_share", point.held_out.repeated_ngram_share, point.step)
        for step in training.steps:
            writer.add_scalar("train/reward", step.reward, step.step)
            writer.add_scalar("train/reward_std", step.reward_std, step.step)
            writer.add_scalar("train/mean_chars", step.mean_chars, step.step)
            for name, value in step.components.items():
                writer.add_scalar(f"components/{name}", value, step.step)


def grpo_curves(result: SandboxResult) -> Curves | None:
    """A GRPO run's held-out fitness and mean reward components at each evaluation point."""
    output = result.output_of(TextTrainOutput)
    if output is None:
        return None
    curve = output.training.curve
    names = sorted({name for point in curve for name in point.train_components})
    return Curves(
        steps=[point.step for point in curve],
        fitness=[point.held_out_fitness for point in curve],
        components={name: [point.train_components.get(name) for point in curve] for name in names},
    )
