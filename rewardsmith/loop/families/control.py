"""The control family: a simulator task stepped by PPO, a gate with a trajectory pool, episodes in the report.

The loop's first family; its parts (the pool, ranking on it, confirmed trainings, the trajectory
analyzer) are described in docs/DESIGN.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rewardsmith.agents.analyzer.gate_findings import analysis_from_gate
from rewardsmith.agents.context import designer_context
from rewardsmith.agents.designer.rule_based import DESIGNER
from rewardsmith.agents.protocols import Agents
from rewardsmith.agents.types import Analysis, Candidate, CriticVerdict, DesignRequest, Draft, Rejection
from rewardsmith.gate.evidence import PoolEvidence, pool_evidence
from rewardsmith.gate.policy import gate_candidate
from rewardsmith.gate.pool import POOL_ARRAYS, POOL_MANIFEST, TRAINED_EPISODES, add_episodes
from rewardsmith.gate.pool_builder import build_pool, reference_sources
from rewardsmith.loop.agents import agents_for
from rewardsmith.loop.facts import TaskFacts
from rewardsmith.loop.families.base import FamilyConfigError, GateDecision, Trained
from rewardsmith.loop.feedback import feedback_for, rejection_of
from rewardsmith.loop.jobs import final_train_job, pool_reference_job, train_job, train_job_dir, verify_job
from rewardsmith.loop.ranking import rank_drafts, rankable
from rewardsmith.loop.record import GATE, POOL_LABELS, TRAIN, VERIFY, RunRecord, round_prefix
from rewardsmith.loop.report import ReportTask, write_html_report, write_report
from rewardsmith.loop.report.episodes import draw as draw_episode
from rewardsmith.loop.report.model import control_gate_entry, ppo_curves
from rewardsmith.loop.report.tensorboard import ppo_events
from rewardsmith.rewards.rubric import DEFAULT_GOAL_FLAG, Rubric
from rewardsmith.sandbox import SandboxResult, TrainOutput, VerifyOutput
from rewardsmith.sandbox.artefacts import checkpoint_episodes
from rewardsmith.sandbox.confirm import Confirmation, confirmed_episodes, run_confirmed
from rewardsmith.tasks import Task, TaskSpec, load_task
from rewardsmith.tasks.registry import names_a_task

if TYPE_CHECKING:
    from rewardsmith.config import DesignConfig
    from rewardsmith.llm import CallRecord, ChatModel
    from rewardsmith.loop.context import LoopContext
    from rewardsmith.loop.record import CandidateStatus
    from rewardsmith.loop.results import FinalEvaluation


@dataclass(frozen=True)
class ControlFamily:
    """A control task: the class the sandbox steps, and the run's agents read its spec."""

    task_class: type[Task]

    @classmethod
    def open(cls, task_ref: str) -> ControlFamily | None:
        """The control task ``task_ref`` names; None where it names none.

        Raises:
            rewardsmith.tasks.TaskLoadError: A task file that cannot be loaded or breaks the task contract.
        """
        return cls(load_task(task_ref)) if names_a_task(task_ref) else None

    @property
    def spec(self) -> TaskSpec:
        return self.task_class.spec

    @property
    def facts(self) -> TaskFacts:
        spec = self.spec
        return TaskFacts(
            name=spec.name,
            family="control",
            fitness_name=spec.fitness.name,
            solved_threshold=spec.fitness.solved_threshold,
            sparse_reward_code=spec.sparse_reward_code,
            reference_reward_code=spec.reference_reward_code,
        )

    def check(self, config: DesignConfig) -> None:
        if config.judge_llm is not None:
            raise FamilyConfigError(
                f"--judge-llm grades text rewards, and {self.task_class.spec.name} is a control task: drop --judge-llm"
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
        return agents_for(config, run_dir, rubric_text, self.task_class, models=models, on_call=on_call)

    # ---- specify ---------------------------------------------------------------------------------

    def initial_rubric(self, ctx: LoopContext) -> Rubric:
        return ctx.agents.spec_writer.initial(self.spec)

    def prepare(self, ctx: LoopContext) -> None:
        """Build the gate's pool once per run: a reference-reward training's episodes, random play, the probes."""
        pool_dir = ctx.record.path("pool")
        if not ctx.config.gate_pool or (pool_dir / POOL_MANIFEST).exists():
            return
        ctx.record.event("pool_started")
        files: list[tuple[str, Path]] = []
        if self.spec.reference_reward_code is None:
            # No competent trajectories to learn from: the gate judges by the probes and random play alone.
            ctx.record.event("pool_without_reference")
            ctx.reporter.note("the task has no reference reward: the gate's pool holds probes and random play only")
        else:
            files = self._reference_files(ctx, pool_dir, self.spec.reference_reward_code)
        pool = build_pool(self.task_class, ctx.config.task, files, pool_dir, seed=ctx.config.seed)
        ctx.record.event(
            "pool_built",
            trajectories=len(pool.trajectories),
            successes=sum(t.success for t in pool.trajectories),
            probes=sorted({t.probe for t in pool.trajectories if t.probe}),
        )

    def _reference_files(self, ctx: LoopContext, pool_dir: Path, reference_code: str) -> list[tuple[str, Path]]:
        ctx.reporter.note("building the gate's trajectory pool: one reference-reward training, then the probes")
        job, job_dir, out_dir = pool_reference_job(ctx.config, pool_dir, reference_code)
        result = ctx.sandbox.run(job, job_dir, out_dir)
        files: list[tuple[str, Path]] = []
        trained = result.output_of(TrainOutput)
        if result.ok and trained is not None:
            files = reference_sources(checkpoint_episodes(trained.training, out_dir))
            ctx.record.save_pool_reference(trained.training)
        else:
            # Probes and random play still make a pool; without competent trajectories it is a weaker one.
            reason = result.failure.message.splitlines()[0] if result.failure else "no result"
            ctx.record.event("pool_reference_failed", reason=reason)
            ctx.reporter.note(f"the pool's reference run failed ({reason}); the pool holds probes only")
        return files

    # ---- design and critic -----------------------------------------------------------------------

    def design_request(self, ctx: LoopContext, iteration: int, rubric_version: int) -> DesignRequest:
        """What the designer gets for round ``iteration``, under rubric ``rubric_version``."""
        return DesignRequest(
            task=self.spec,
            context=designer_context(self.task_class),
            rubric=ctx.record.rubric(rubric_version),
            iteration=iteration,
            samples=ctx.config.samples,
            seed=ctx.config.seed * 100_003 + iteration,
            feedback=feedback_for(ctx.record, iteration, lambda status: self.rejection(ctx, status)),
        )

    def design(self, ctx: LoopContext, iteration: int, rubric_version: int) -> list[Draft]:
        """The round's drafts: written directly, or (offline, with a pool) ranked on the pool from many more."""
        request = self.design_request(ctx, iteration, rubric_version)
        pool_dir = ctx.record.path("pool")
        ranking = (
            ctx.agents.designer.name == DESIGNER
            and ctx.config.rank > ctx.config.samples
            and ctx.config.gate_pool
            and (pool_dir / POOL_MANIFEST).exists()
        )
        if not ranking:
            return ctx.agents.designer.design(request)
        many = ctx.agents.designer.design(request.model_copy(update={"samples": ctx.config.rank}))
        if not rankable(many, self.task_class):
            return many[: ctx.config.samples]
        kept, record = rank_drafts(many, self.task_class, pool_dir, ctx.config.samples, iteration)
        # A resumed round ranks again, to the same drafts (the designer is seeded); it is recorded once.
        if not ctx.record.exists(ranking_path(iteration)):
            ctx.record.write_json(ranking_path(iteration), record)
            ctx.record.event(
                "ranked", iteration=iteration, ranked=record.ranked, kept=record.kept, evidence=record.evidence
            )
        return kept

    def review(self, ctx: LoopContext, candidate: Candidate) -> CriticVerdict:
        return ctx.agents.critic.review(candidate, self.spec)

    def repair(
        self, ctx: LoopContext, candidate: Candidate, verdict: CriticVerdict, iteration: int, rubric_version: int
    ) -> Draft | None:
        return ctx.agents.designer.repair(candidate, verdict, self.design_request(ctx, iteration, rubric_version))

    # ---- verify and gate -------------------------------------------------------------------------

    def verify(self, ctx: LoopContext, candidate_id: str) -> SandboxResult:
        record = ctx.record
        pool_dir = record.path("pool")
        candidate_dir = record.candidate_dir(candidate_id)
        if ctx.config.gate_pool and (pool_dir / POOL_MANIFEST).exists():
            with ctx.pool_lock:
                # The labels the returns will be read against, frozen with the arrays the job gets.
                labels = POOL_LABELS.model.model_validate_json((pool_dir / POOL_MANIFEST).read_text())
                record.write(candidate_id, POOL_LABELS, labels)
                job, job_dir, out_dir = verify_job(ctx.config, candidate_id, candidate_dir, pool_dir / POOL_ARRAYS)
        else:
            job, job_dir, out_dir = verify_job(ctx.config, candidate_id, candidate_dir)
        return ctx.sandbox.run(job, job_dir, out_dir)

    def gate(self, ctx: LoopContext, candidate_id: str) -> GateDecision:
        record = ctx.record
        verified = record.read(candidate_id, VERIFY)
        assert verified is not None
        output = verified.output_of(VerifyOutput)
        verify, scores = (output.verify, output.pool_scores) if output is not None else (None, None)
        result = gate_candidate(verify, scores, record.read(candidate_id, POOL_LABELS), self.spec)
        record.write(candidate_id, GATE, result)
        return GateDecision(passed=result.passed, kind=result.reason_kind or "gate", reason=result.reason or "")

    # ---- train and analyze -----------------------------------------------------------------------

    def train(self, ctx: LoopContext, candidate_id: str, rubric_version: int) -> SandboxResult:
        record = ctx.record
        job, job_dir, out_dir = train_job(ctx.config, candidate_id, record.candidate_dir(candidate_id))

        def progress(steps: int, total: int) -> None:
            ctx.reporter.training_progress(candidate_id, steps, total)

        check = Confirmation(
            record=TRAINED_EPISODES,
            rubric=record.rubric(rubric_version),
            goal_flag=self.spec.goal_flag() or DEFAULT_GOAL_FLAG,
        )
        return run_confirmed(ctx.sandbox, job, job_dir, out_dir, on_progress=progress, check=check)

    def trained(self, result: SandboxResult) -> Trained | None:
        return trained_by_ppo(result)

    def after_training(self, ctx: LoopContext, candidate_id: str, result: SandboxResult) -> None:
        """Add the episodes the confirming job recorded (a policy re-run with no candidate code, so its
        labels are true) to the pool, once per candidate even on resume."""
        pool_dir = ctx.record.path("pool")
        if result.confirmation is None or not (pool_dir / POOL_MANIFEST).exists():
            return
        episodes = confirmed_episodes(train_job_dir(ctx.record.candidate_dir(candidate_id)), result.confirmation)
        if episodes is None:
            return
        with ctx.pool_lock:
            pool = add_episodes(
                pool_dir,
                episodes,
                "trained",
                f"trained/{candidate_id}",
                self.spec.fitness.solved_threshold,
                self.spec.episode_length,
            )
        ctx.record.event(
            "pool_grown", candidate=candidate_id, version=pool.version, trajectories=len(pool.trajectories)
        )

    def analyze(self, ctx: LoopContext, candidate_id: str, rubric_version: int) -> Analysis:
        record = ctx.record
        result = record.read(candidate_id, TRAIN)
        trained = result.output_of(TrainOutput) if result is not None else None
        assert result is not None and trained is not None
        return ctx.agents.analyzer.analyze(
            record.candidate(candidate_id),
            trained.training,
            record.training_dir(candidate_id),
            record.rubric(rubric_version),
            task=self.spec,
            # The checks ran in the sandbox, on the confirming job's episodes of the trusted re-run.
            rubric_results=result.confirmation.rubric_results if result.confirmation is not None else None,
            pool=self.pool_evidence(ctx, candidate_id),
        )

    def pool_evidence(self, ctx: LoopContext, candidate_id: str) -> PoolEvidence | None:
        """The pool a candidate was gated on, its returns there, and the reference run; None without a pool."""
        labels = ctx.record.read(candidate_id, POOL_LABELS)
        if labels is None:
            return None
        verified = ctx.record.read(candidate_id, VERIFY)
        output = verified.output_of(VerifyOutput) if verified is not None else None
        return pool_evidence(labels, output.pool_scores if output is not None else None, ctx.record.pool_reference())

    def gate_analysis(self, ctx: LoopContext, status: CandidateStatus) -> Analysis | None:
        gate = ctx.record.read(status.id, GATE) if status.reason_kind == "gate_probe" else None
        if gate is None or gate.report is None:
            return None
        return analysis_from_gate(status.id, gate.report, self.spec)

    def correct_spec(self, ctx: LoopContext, rubric: Rubric, analysis: Analysis, candidate: Candidate) -> Rubric | None:
        return ctx.agents.spec_corrector.correct(rubric, analysis, candidate)

    def rejection(self, ctx: LoopContext, status: CandidateStatus) -> Rejection:
        gate = ctx.record.read(status.id, GATE) if status.stopped_at == "gate" else None
        return rejection_of(status, gate=gate.report if gate is not None else None)

    # ---- final evaluation and report -------------------------------------------------------------

    def final_train(self, ctx: LoopContext, name: str, seed: int, reward_code: str) -> SandboxResult:
        job, job_dir, out_dir = final_train_job(ctx.config, name, ctx.record.final_run_dir(name), seed, reward_code)
        return run_confirmed(ctx.sandbox, job, job_dir, out_dir)

    def final_steps(self, ctx: LoopContext) -> int:
        return ctx.config.steps or self.spec.ppo.steps

    def write_report(self, ctx: LoopContext, evaluation: FinalEvaluation, history: Sequence[Any]) -> None:
        write_report(ctx.record, self.report_task, evaluation, history)

    def html_report(self, record: RunRecord) -> Path:
        return write_html_report(record, self.report_task)

    @property
    def report_task(self) -> ReportTask:
        """The report's view of the task: PPO curves, and episodes drawn as the task draws them."""
        return ReportTask(
            facts=self.facts,
            curves_of=ppo_curves,
            gate_entry=control_gate_entry,
            events_of=ppo_events,
            draw=partial(draw_episode, self.task_class),
        )


def ranking_path(iteration: int) -> str:
    """Where the run record keeps round ``iteration``'s ranking on the pool."""
    return f"rankings/{round_prefix(iteration)}ranking.json"


def trained_by_ppo(result: SandboxResult) -> Trained | None:
    """What a PPO job's result says of its training; None where it holds none."""
    output = result.output_of(TrainOutput)
    if output is None:
        return None
    training = output.training
    return Trained(
        fitness=training.fitness,
        final_fitness=training.final_fitness,
        steps=training.steps,
        wall_time_s=training.wall_time_s,
    )
