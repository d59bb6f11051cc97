"""The design loop as one LangGraph ``StateGraph``.

::

    specify ─► design ×K (Send) ─► critic ─► verify ─► gate ─► train ×n (Send) ─► analyze ─► select
       ▲                                                                                     │
       └──── design ×K ◄── correct_spec (hacking or rubric violations) ◄─────────────────────┤
                                                      final_eval ◄── (N rounds or target) ◄──┘
                                                          └─► report ─► END

With ``review`` on, select goes through ``review`` before design or correct_spec: a LangGraph
interrupt that pauses the run until a reviewer's feedback resumes it; the feedback reaches the next
round's designer.

The state holds only ids, numbers and short summaries; code, episodes, metrics and verdicts live in
the run directory (:mod:`rewardsmith.loop.record`), which every node reads and writes. Nodes that act
per candidate skip candidates whose result is already on disk, so a resumed run never redoes
finished work even where LangGraph re-runs a node. A candidate's failure is recorded on the
candidate and never raised out of its node, so one bad branch cannot sink its siblings.
"""

from __future__ import annotations

import operator
import sqlite3
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, Protocol, TypedDict

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Send, interrupt
from pydantic import BaseModel

from rewardsmith.agents import (
    RuleBasedAnalyzer,
    RuleBasedDesigner,
    RuleBasedSpecCorrector,
    RuleBasedSpecWriter,
    StaticCritic,
)
from rewardsmith.agents.analyzer.gate_findings import analysis_from_gate
from rewardsmith.agents.types import Analysis, Candidate, CriticVerdict, DesignRequest, Feedback
from rewardsmith.config import DesignConfig
from rewardsmith.gate.judge import GateReport, GateThresholds, judge
from rewardsmith.gate.pool import POOL_ARRAYS, POOL_MANIFEST, TRAINED_EPISODES, TrajectoryPool, add_episodes
from rewardsmith.gate.pool_builder import build_pool, reference_episode_files
from rewardsmith.llm import BudgetExhaustedError, TokenBudget
from rewardsmith.loop.final_eval import final_training_count, run_final_evaluation
from rewardsmith.loop.jobs import pool_reference_job, train_job, verify_job
from rewardsmith.loop.record import RunRecord
from rewardsmith.loop.report import write_report
from rewardsmith.loop.results import FinalEvaluation, IterationRecord
from rewardsmith.rewards import VerifyResult
from rewardsmith.rewards.rubric import DEFAULT_GOAL_FLAG, Rubric, RubricCheckResult
from rewardsmith.sandbox import Sandbox, SandboxResult
from rewardsmith.sandbox.confirm import Confirmation, rescore_dir_for, rescore_out_dir, run_confirmed
from rewardsmith.tasks import BatchedTask, TaskSpec, render_context
from rewardsmith.training import TrainingResult

#: Candidates one spec correction answers at most, so a round of many exploits cannot bloat the spec.
MAX_CORRECTION_SOURCES = 3
#: Where a run keeps its copy of the seed reward (``--seed-reward``).
SEED_REWARD = "seed_reward.py"


class LoopState(TypedDict, total=False):
    """The graph state: small, with reducers on the lists that parallel branches append to."""

    iteration: int
    rubric_version: int
    designed: Annotated[list[str], operator.add]
    trained: Annotated[list[str], operator.add]
    history: Annotated[list[dict], operator.add]  # IterationRecord dumps
    best_id: str | None
    best_fitness: float | None
    finished: bool
    after_review: str | None


class GateResult(BaseModel):
    """The pre-training checks one candidate went through, and their verdict."""

    passed: bool
    checks: list[str]
    reason_kind: str | None = None
    reason: str | None = None
    report: GateReport | None = None


class DesignTask(BaseModel):
    """What one design branch gets through ``Send``."""

    iteration: int
    index: int
    rubric_version: int


class TrainTask(BaseModel):
    """What one training branch gets through ``Send``."""

    candidate_id: str
    rubric_version: int = 1


class Reporter(Protocol):
    """Progress as the loop runs; the CLI draws bars from it, the API ignores it."""

    def round_started(self, iteration: int, total: int) -> None: ...

    def candidate_done(self, candidate_id: str, stage: str, detail: str) -> None: ...

    def training_progress(self, candidate_id: str, steps: int, total: int) -> None: ...

    def note(self, text: str) -> None: ...

    def warning(self, text: str) -> None: ...

    def final_evaluation_started(self, runs: int) -> None: ...


class SilentReporter:
    """A reporter that reports nothing."""

    def round_started(self, iteration: int, total: int) -> None:
        return None

    def candidate_done(self, candidate_id: str, stage: str, detail: str) -> None:
        return None

    def training_progress(self, candidate_id: str, steps: int, total: int) -> None:
        return None

    def note(self, text: str) -> None:
        return None

    def warning(self, text: str) -> None:
        # Warnings are the one thing a silent reporter still says: they are about the user's safety.
        warnings.warn(text, RuntimeWarning, stacklevel=2)

    def final_evaluation_started(self, runs: int) -> None:
        return None


class Designer(Protocol):
    def design(self, request: DesignRequest) -> list[Candidate]: ...


class Critic(Protocol):
    def review(self, candidate: Candidate, task: TaskSpec) -> CriticVerdict: ...


class Analyzer(Protocol):
    def analyze(
        self,
        candidate: Candidate,
        result: TrainingResult,
        run_dir: Path,
        rubric: Rubric,
        *,
        task: TaskSpec,
        rubric_results: list[RubricCheckResult] | None = None,
    ) -> Analysis: ...


class SpecWriter(Protocol):
    def initial(self, task: TaskSpec) -> Rubric: ...


class SpecCorrector(Protocol):
    def correct(self, rubric: Rubric, analysis: Analysis, candidate: Candidate) -> Rubric | None: ...


@dataclass
class Agents:
    """The loop's agents; the rule-based ones unless others are given (the LLM ones plug in here)."""

    designer: Designer = field(default_factory=RuleBasedDesigner)
    critic: Critic = field(default_factory=StaticCritic)
    analyzer: Analyzer = field(default_factory=RuleBasedAnalyzer)
    spec_writer: SpecWriter = field(default_factory=RuleBasedSpecWriter)
    spec_corrector: SpecCorrector = field(default_factory=RuleBasedSpecCorrector)
    #: The token budget the LLM agents spend, when any calls a model; once spent, the loop ends the round.
    budget: TokenBudget | None = None


@dataclass
class LoopContext:
    """What the nodes share that is not state: the run, its task, its agents and its sandbox."""

    record: RunRecord
    config: DesignConfig
    task_class: type[BatchedTask]
    sandbox: Sandbox
    reporter: Reporter = field(default_factory=SilentReporter)
    agents: Agents = field(default_factory=Agents)


class DesignNodes:
    """The graph's nodes. Each is a plain method from state (or a Send payload) to a partial update."""

    def __init__(self, ctx: LoopContext) -> None:
        self.ctx = ctx
        self.record = ctx.record
        self.config = ctx.config
        self.spec = ctx.task_class.spec
        # Training branches run in threads and each adds its policy's episodes to the one pool.
        self._pool_lock = threading.Lock()

    # ---- specify -----------------------------------------------------------------------------

    def specify(self, state: LoopState) -> dict:
        if not self.record.exists("specs/v1.json"):
            rubric = self.ctx.agents.spec_writer.initial(self.spec)
            self.record.save_rubric(rubric)
            self.record.event("spec_written", version=rubric.version, author=rubric.author)
        self._prepare_pool()
        return {"iteration": 1, "rubric_version": 1, "best_id": None, "best_fitness": None, "finished": False}

    def _prepare_pool(self) -> None:
        pool_dir = self.record.path("pool")
        if not self.config.gate_pool or (pool_dir / POOL_MANIFEST).exists():
            return
        self.ctx.reporter.note("building the gate's trajectory pool: one reference-reward training, then the probes")
        job, job_dir, out_dir = pool_reference_job(self.config, pool_dir, self.spec.reference_reward_code)
        result = self.ctx.sandbox.run(job, job_dir, out_dir)
        files: list[tuple[str, Path]] = []
        if result.ok and result.training is not None:
            files = reference_episode_files(result.training, out_dir)
        else:
            # Probes and random play still make a pool; without competent trajectories it is a weaker one.
            reason = result.failure.message.splitlines()[0] if result.failure else "no result"
            self.record.event("pool_reference_failed", reason=reason)
            self.ctx.reporter.note(f"the pool's reference run failed ({reason}); the pool holds probes only")
        pool = build_pool(self.ctx.task_class, self.config.task, files, pool_dir, seed=self.config.seed)
        self.record.event(
            "pool_built",
            trajectories=len(pool.trajectories),
            successes=sum(t.success for t in pool.trajectories),
            probes=sorted({t.probe for t in pool.trajectories if t.probe}),
        )

    def fan_out_design(self, state: LoopState) -> list[Send]:
        return self._design_sends(state["iteration"], state["rubric_version"])

    def _design_sends(self, iteration: int, rubric_version: int) -> list[Send]:
        self.ctx.reporter.round_started(iteration, self.config.iterations)
        self.record.event("round_started", iteration=iteration, rubric_version=rubric_version)
        return [
            Send("design", DesignTask(iteration=iteration, index=i, rubric_version=rubric_version))
            for i in range(self.config.samples)
        ]

    # ---- design ×K ---------------------------------------------------------------------------

    def design(self, task: DesignTask) -> dict:
        candidate_id = f"i{task.iteration:02d}-c{task.index:02d}"
        if self.record.exists(f"candidates/{candidate_id}/candidate.json"):
            return {"designed": [candidate_id]}
        request = self._design_request(task.iteration, task.rubric_version)
        if task.iteration == 1 and task.index == 0 and self.config.seed_reward is not None:
            candidate = Candidate(
                id=candidate_id,
                iteration=1,
                code=self.record.path(SEED_REWARD).read_text(),
                rationale=f"the seed reward {self.config.seed_reward}",
                designer="seed",
            )
        else:
            candidate = self.ctx.agents.designer.design(request)[task.index].model_copy(update={"id": candidate_id})
        self.record.save_candidate(candidate)
        self.record.event("candidate_designed", candidate=candidate_id, designer=candidate.designer)
        if candidate.failure_kind is not None:
            # The designer's model failed for this sample (a call error, a spent budget): the
            # candidate ends here with that reason, its siblings and the run go on.
            self._reject(candidate_id, "design", candidate.failure_kind, candidate.failure or candidate.failure_kind)
        return {"designed": [candidate_id]}

    def _design_request(self, iteration: int, rubric_version: int) -> DesignRequest:
        return DesignRequest(
            task=self.spec,
            context=render_context(self.ctx.task_class),
            rubric=self.record.rubric(rubric_version),
            iteration=iteration,
            samples=self.config.samples,
            seed=self.config.seed * 100_003 + iteration,
            feedback=self._feedback(iteration),
        )

    def _feedback(self, iteration: int) -> Feedback | None:
        if iteration == 1:
            return None
        statuses = self.record.statuses()
        trained = [s for s in statuses if s.stage == "trained" and s.fitness is not None]
        previous = [s for s in statuses if s.iteration == iteration - 1 and s.stage == "rejected"]
        rejected = [(s.id, self._rejection_evidence(s.id, s.stopped_at, s.reason or "")) for s in previous]
        human_path = _human_feedback_path(iteration)
        human = self.record.path(human_path).read_text() if self.record.exists(human_path) else None
        if not trained:
            return Feedback(rejected=rejected, human=human)
        best = max(trained, key=lambda s: s.fitness or float("-inf"))
        analysis_path = f"candidates/{best.id}/analysis.json"
        analysis = self.record.read_json(analysis_path, Analysis) if self.record.exists(analysis_path) else None
        return Feedback(
            best=self.record.candidate(best.id),
            best_fitness=best.fitness,
            analysis=analysis,
            rejected=rejected,
            human=human,
        )

    def _rejection_evidence(self, candidate_id: str, stopped_at: str | None, reason: str) -> str:
        # The gate's full evidence (the misranked trajectories and by how much) is what a designer can act on.
        path = f"candidates/{candidate_id}/gate.json"
        if stopped_at != "gate" or not self.record.exists(path):
            return reason
        report = self.record.read_json(path, GateResult).report
        return report.evidence() if report is not None else reason

    # ---- critic ------------------------------------------------------------------------------

    def critic(self, state: LoopState) -> dict:
        for candidate_id in self._round(state, stage="designed"):
            path = f"candidates/{candidate_id}/critic.json"
            if self.record.exists(path):
                verdict = self.record.read_json(path, CriticVerdict)
            else:
                verdict = self._review(candidate_id, state["iteration"], state["rubric_version"])
                self.record.write_json(path, verdict)
            if not verdict.passed:
                errors = [f for f in verdict.findings if f.severity == "error"]
                reason = "; ".join(f"{f.rule}: {f.message}" for f in errors[:3])
                self._reject(candidate_id, "critic", errors[0].rule if errors else "critic", reason)
        return {}

    def _review(self, candidate_id: str, iteration: int, rubric_version: int) -> CriticVerdict:
        """The critic's verdict, after up to ``critic_repairs`` rewrites of a rejected candidate by a
        designer that can repair (in a fresh conversation of its own, never the critic's)."""
        candidate = self.record.candidate(candidate_id)
        verdict = self.ctx.agents.critic.review(candidate, self.spec)
        repair = getattr(self.ctx.agents.designer, "repair", None)
        while not verdict.passed and repair is not None and candidate.repair_round < self.config.critic_repairs:
            attempt = candidate.repair_round
            # The rejected version and its verdict stay in the record next to the repair.
            self.record.write_json(f"candidates/{candidate_id}/repairs/critic_r{attempt}.json", verdict)
            self.record.write_text(f"candidates/{candidate_id}/repairs/reward_r{attempt}.py", candidate.code)
            try:
                repaired = repair(candidate, verdict, self._design_request(iteration, rubric_version))
            except BudgetExhaustedError:
                repaired = None
            if repaired is None:
                break
            candidate = repaired.model_copy(update={"id": candidate_id, "parent_id": candidate_id})
            self.record.save_candidate(candidate)
            verdict = self.ctx.agents.critic.review(candidate, self.spec)
            self.record.event(
                "candidate_repaired", candidate=candidate_id, repair_round=candidate.repair_round, passed=verdict.passed
            )
        return verdict

    # ---- verify ------------------------------------------------------------------------------

    def verify(self, state: LoopState) -> dict:
        pending = [c for c in self._round(state, stage="designed") if not self.record.exists(self._verify_path(c))]
        self._parallel(self._verify_one, pending)
        for candidate_id in self._round(state, stage="designed"):
            result = self.record.read_json(self._verify_path(candidate_id), SandboxResult)
            if not result.ok:
                failure = result.failure
                kind = failure.kind if failure else "sandbox_error"
                self._reject(candidate_id, "verify", kind, failure.message if failure else "verification failed")
        return {}

    def _verify_path(self, candidate_id: str) -> str:
        return f"candidates/{candidate_id}/verify.json"

    def _verify_one(self, candidate_id: str) -> None:
        candidate_dir = self.record.candidate_dir(candidate_id)
        pool_dir = self.record.path("pool")
        if self.config.gate_pool and (pool_dir / POOL_MANIFEST).exists():
            with self._pool_lock:
                # The labels the returns will be read against, frozen with the arrays the job gets.
                (candidate_dir / "pool.json").write_bytes((pool_dir / POOL_MANIFEST).read_bytes())
                job, job_dir, out_dir = verify_job(self.config, candidate_id, candidate_dir, pool_dir / POOL_ARRAYS)
        else:
            job, job_dir, out_dir = verify_job(self.config, candidate_id, candidate_dir)
        result = self.ctx.sandbox.run(job, job_dir, out_dir)
        self.record.write_json(self._verify_path(candidate_id), result)
        self.record.event("verified", candidate=candidate_id, ok=result.ok, wall_time_s=result.wall_time_s)

    # ---- gate --------------------------------------------------------------------------------

    def gate(self, state: LoopState) -> dict:
        for candidate_id in self._round(state, stage="designed"):
            gate = self._gate_one(candidate_id)
            self.record.write_json(f"candidates/{candidate_id}/gate.json", gate)
            self.record.event("gated", candidate=candidate_id, passed=gate.passed, kind=gate.reason_kind)
            if not gate.passed:
                self._reject(candidate_id, "gate", gate.reason_kind or "gate", gate.reason or "")
        return {}

    def _gate_one(self, candidate_id: str) -> GateResult:
        result = self.record.read_json(self._verify_path(candidate_id), SandboxResult)
        checks = ["total reward varies over the sampled states"]
        reason = _gate_reason(result.verify)
        labels_path = f"candidates/{candidate_id}/pool.json"
        if reason is not None or result.pool_scores is None or not self.record.exists(labels_path):
            return GateResult(
                passed=reason is None,
                checks=checks,
                reason_kind=reason[0] if reason else None,
                reason=reason[1] if reason else None,
            )
        thresholds = GateThresholds()
        checks += [
            "no hack probe (idle, random, jitter, circling, early termination) scores at or above the median "
            "competent trajectory",
            f"pairwise preference accuracy on the pool ≥ {thresholds.min_pairwise_accuracy}",
            f"rank correlation of return with fitness ≥ {thresholds.min_rank_correlation}",
            "CARD's test (recorded)",
        ]
        pool = self.record.read_json(labels_path, TrajectoryPool)
        fitness = self.spec.fitness
        report = judge(result.pool_scores, pool, fitness.low, fitness.high, thresholds)
        kind = None
        if not report.passed:
            kind = "gate_probe" if any(outcome.outscored for outcome in report.probes) else "gate_ranking"
        return GateResult(
            passed=report.passed,
            checks=checks,
            reason_kind=kind,
            reason="; ".join(report.reasons) or None,
            report=report,
        )

    def fan_out_train(self, state: LoopState) -> list[Send] | Literal["select"]:
        survivors = self._round(state, stage="designed")
        if not survivors:
            return "select"
        return [Send("train", TrainTask(candidate_id=c, rubric_version=state["rubric_version"])) for c in survivors]

    # ---- train ×n ----------------------------------------------------------------------------

    def train(self, task: TrainTask) -> dict:
        candidate_id = task.candidate_id
        result_path = f"candidates/{candidate_id}/train.json"
        if not self.record.exists(result_path):
            candidate_dir = self.record.candidate_dir(candidate_id)
            job, job_dir, out_dir = train_job(self.config, candidate_id, candidate_dir)
            self.record.event("train_started", candidate=candidate_id)

            def progress(steps: int, total: int) -> None:
                self.ctx.reporter.training_progress(candidate_id, steps, total)

            check = Confirmation(
                record=TRAINED_EPISODES, rubric=self.record.rubric(task.rubric_version), goal_flag=self._goal_flag()
            )
            result = run_confirmed(self.ctx.sandbox, job, job_dir, out_dir, on_progress=progress, check=check)
            self.record.write_json(result_path, result)
            self.record.event("train_finished", candidate=candidate_id, ok=result.ok, wall_time_s=result.wall_time_s)
        result = self.record.read_json(result_path, SandboxResult)
        if result.ok and result.training is not None:
            training = result.training
            self.record.update_status(
                candidate_id,
                stage="trained",
                fitness=training.fitness,
                final_fitness=training.final_fitness,
                steps=training.steps,
                train_time_s=training.wall_time_s,
            )
            self.ctx.reporter.candidate_done(candidate_id, "trained", f"fitness {training.fitness:.3f}")
            self._grow_pool(candidate_id, result)
        else:
            failure = result.failure
            self.record.update_status(
                candidate_id,
                stage="failed",
                stopped_at="train",
                reason_kind=failure.kind if failure else "sandbox_error",
                reason=failure.message if failure else "training produced no result",
            )
            self.ctx.reporter.candidate_done(candidate_id, "failed", failure.kind if failure else "sandbox_error")
        return {"trained": [candidate_id]}

    def _grow_pool(self, candidate_id: str, result: SandboxResult) -> None:
        # Episodes from the confirming job: a policy re-run with no candidate code, so labels are true.
        confirmation = result.confirmation
        pool_dir = self.record.path("pool")
        if confirmation is None or confirmation.episode_file is None or not (pool_dir / POOL_MANIFEST).exists():
            return
        job_dir = self.record.candidate_dir(candidate_id) / "jobs" / "train"
        episodes = rescore_out_dir(rescore_dir_for(job_dir)) / confirmation.episode_file
        if not episodes.is_file():
            return
        with self._pool_lock:
            pool = add_episodes(
                pool_dir,
                episodes,
                "trained",
                f"trained/{candidate_id}",
                self.spec.fitness.solved_threshold,
                self.spec.episode_length,
            )
        self.record.event(
            "pool_grown", candidate=candidate_id, version=pool.version, trajectories=len(pool.trajectories)
        )

    def _goal_flag(self) -> str:
        return self.spec.goal_flag() or DEFAULT_GOAL_FLAG

    # ---- analyze -----------------------------------------------------------------------------

    def analyze(self, state: LoopState) -> dict:
        for candidate_id in self._round(state, stage="trained"):
            path = f"candidates/{candidate_id}/analysis.json"
            if self.record.exists(path):
                continue
            result = self.record.read_json(f"candidates/{candidate_id}/train.json", SandboxResult)
            assert result.training is not None
            analysis = self.ctx.agents.analyzer.analyze(
                self.record.candidate(candidate_id),
                result.training,
                self.record.candidate_dir(candidate_id) / "training",
                self.record.rubric(state["rubric_version"]),
                task=self.spec,
                # The checks ran in the sandbox, on the confirming job's episodes of the trusted re-run.
                rubric_results=result.confirmation.rubric_results if result.confirmation is not None else None,
            )
            self.record.write_json(path, analysis)
            self.record.update_status(candidate_id, hacking_suspected=analysis.hacking_suspected)
            self.record.event(
                "analyzed", candidate=candidate_id, hacking=analysis.hacking_suspected, findings=len(analysis.findings)
            )
        return {}

    # ---- select ------------------------------------------------------------------------------

    def select(self, state: LoopState) -> Command[Literal["design", "correct_spec", "final_eval", "review"]]:
        iteration = state["iteration"]
        statuses = self.record.statuses()
        trained = [s for s in statuses if s.stage == "trained" and s.fitness is not None]
        this_round = [s for s in statuses if s.iteration == iteration]
        round_trained = [s for s in this_round if s.stage == "trained" and s.fitness is not None]
        best = max(trained, key=lambda s: s.fitness or float("-inf"), default=None)
        round_best = max(round_trained, key=lambda s: s.fitness or float("-inf"), default=None)
        target = self.config.target_fitness
        reached = best is not None and target is not None and (best.fitness or float("-inf")) >= target
        hacking = bool(self._correction_sources(iteration, round_best.id if round_best else None))
        budget = self.ctx.agents.budget
        spent = budget is not None and budget.exhausted
        if spent and iteration < self.config.iterations and not reached:
            assert budget is not None
            self.record.event("budget_exhausted", iteration=iteration, spent=budget.spent, budget=budget.limit)
            self.ctx.reporter.note(f"the token budget is spent ({budget.spent} of {budget.limit}); final evaluation")
        if iteration >= self.config.iterations or reached or spent:
            next_node: Literal["design", "correct_spec", "final_eval"] = "final_eval"
        elif hacking:
            next_node = "correct_spec"
        else:
            next_node = "design"
        summary = IterationRecord(
            iteration=iteration,
            rubric_version=state["rubric_version"],
            designed=len(this_round),
            rejected=sum(s.stage == "rejected" for s in this_round),
            trained=len(round_trained),
            solved=sum((s.fitness or 0.0) >= self.spec.fitness.solved_threshold for s in round_trained),
            best_id=best.id if best else None,
            best_fitness=best.fitness if best else None,
            round_best_id=round_best.id if round_best else None,
            round_best_fitness=round_best.fitness if round_best else None,
            next=next_node,
        )
        self.record.event("selected", **summary.model_dump())
        update = {"history": [summary.model_dump()], "best_id": summary.best_id, "best_fitness": summary.best_fitness}
        if self.config.review and next_node != "final_eval":
            return Command(update={**update, "after_review": next_node}, goto="review")
        if next_node == "design":
            update["iteration"] = iteration + 1
            return Command(update=update, goto=self._design_sends(iteration + 1, state["rubric_version"]))
        return Command(update=update, goto=next_node)

    # ---- review (human in the loop) ----------------------------------------------------------

    def review(self, state: LoopState) -> Command[Literal["design", "correct_spec"]]:
        # interrupt() re-runs this whole node on resume: nothing before it may write or report.
        iteration = state["iteration"]
        last = state["history"][-1]
        answer = interrupt(
            {
                "iteration": iteration,
                "next": state.get("after_review") or "design",
                "best_id": last.get("best_id"),
                "best_fitness": last.get("best_fitness"),
                "summary": f"round {iteration}: {last['designed']} designed, {last['rejected']} rejected, "
                f"{last['trained']} trained; best so far {last.get('best_id') or 'none'}",
            }
        )
        text = answer.strip() if isinstance(answer, str) else ""
        if text:
            self.record.write_text(_human_feedback_path(iteration + 1), text)
        self.record.event("human_feedback", iteration=iteration, given=bool(text), chars=len(text))
        if state.get("after_review") == "correct_spec":
            return Command(update={"after_review": None}, goto="correct_spec")
        return Command(
            update={"iteration": iteration + 1, "after_review": None},
            goto=self._design_sends(iteration + 1, state["rubric_version"]),
        )

    def _calls_for_correction(self, candidate_id: str) -> bool:
        path = f"candidates/{candidate_id}/analysis.json"
        if not self.record.exists(path):
            return False
        analysis = self.record.read_json(path, Analysis)
        violated = any(result.passed is False for result in analysis.rubric_results)
        return analysis.hacking_suspected or violated

    def _correction_sources(self, iteration: int, round_best_id: str | None) -> list[tuple[str, Analysis]]:
        """What a spec correction answers: each candidate of the round that a hack probe caught at the
        gate or whose training showed hacking, then the round's best when it violated the rubric."""
        sources: list[tuple[str, Analysis]] = []
        for status in self.record.statuses():
            if status.iteration != iteration:
                continue
            gate_path = f"candidates/{status.id}/gate.json"
            if status.reason_kind == "gate_probe" and self.record.exists(gate_path):
                report = self.record.read_json(gate_path, GateResult).report
                if report is not None:
                    sources.append((status.id, analysis_from_gate(status.id, report, self.spec)))
            elif status.stage == "trained" and status.hacking_suspected:
                sources.append((status.id, self.record.read_json(f"candidates/{status.id}/analysis.json", Analysis)))
        answered = {candidate_id for candidate_id, _ in sources}
        if round_best_id is not None and round_best_id not in answered and self._calls_for_correction(round_best_id):
            sources.append(
                (round_best_id, self.record.read_json(f"candidates/{round_best_id}/analysis.json", Analysis))
            )
        return sources[:MAX_CORRECTION_SOURCES]

    # ---- correct_spec ------------------------------------------------------------------------

    def correct_spec(self, state: LoopState) -> Command[Literal["design"]]:
        iteration, version = state["iteration"], state["rubric_version"]
        new_version = version
        if self.record.path(f"specs/v{version + 1}.json").exists():
            new_version = version + 1
        elif revised := self._corrected_spec(iteration, version, state["history"][-1]["round_best_id"]):
            self.record.save_rubric(revised[0])
            new_version = revised[0].version
            self.record.event(
                "spec_corrected",
                version=new_version,
                candidate=revised[1][0],
                candidates=revised[1],
                reason=revised[0].reason,
                diff=revised[0].diff,
            )
            self.ctx.reporter.note(f"spec v{new_version}: {revised[0].reason}")
        return Command(
            update={"iteration": iteration + 1, "rubric_version": new_version},
            goto=self._design_sends(iteration + 1, new_version),
        )

    def _corrected_spec(
        self, iteration: int, version: int, round_best_id: str | None
    ) -> tuple[Rubric, list[str]] | None:
        # One new version answers every source: each correction builds on the last, and their reasons
        # and diffs are joined, so the designer sees one spec naming every exploit of the round.
        current = self.record.rubric(version)
        reasons: list[str] = []
        diff: list[str] = []
        answered: list[str] = []
        for candidate_id, analysis in self._correction_sources(iteration, round_best_id):
            revised = self.ctx.agents.spec_corrector.correct(current, analysis, self.record.candidate(candidate_id))
            if revised is None:
                continue
            current = revised
            reasons.append(revised.reason.rstrip("."))
            diff.extend(revised.diff)
            answered.append(candidate_id)
        if not answered:
            return None
        combined = current.model_copy(
            update={"version": version + 1, "parent_version": version, "reason": "; ".join(reasons) + ".", "diff": diff}
        )
        return combined, answered

    # ---- final_eval and report ---------------------------------------------------------------

    def final_eval(self, state: LoopState) -> dict:
        if not self.record.exists("final/evaluation.json"):
            self.ctx.reporter.final_evaluation_started(final_training_count(self.config, state.get("best_id")))
            evaluation = run_final_evaluation(self.ctx, state.get("best_id"), self._parallel)
            self.record.write_json("final/evaluation.json", evaluation)
            self.record.event("final_evaluated", best=state.get("best_id"), score=evaluation.normalized_score)
        return {}

    def report(self, state: LoopState) -> dict:
        evaluation = self.record.read_json("final/evaluation.json", FinalEvaluation)
        write_report(self.record, self.ctx.task_class, evaluation, state.get("history", []))
        self.record.event("finished", best=state.get("best_id"))
        return {"finished": True}

    # ---- helpers -----------------------------------------------------------------------------

    def _round(self, state: LoopState, stage: str) -> list[str]:
        iteration = state["iteration"]
        ids = sorted({c for c in state.get("designed", []) if c.startswith(f"i{iteration:02d}-")})
        return [c for c in ids if self.record.status(c).stage == stage]

    def _reject(self, candidate_id: str, node: str, kind: str, reason: str) -> None:
        self.record.update_status(candidate_id, stage="rejected", stopped_at=node, reason_kind=kind, reason=reason)
        self.record.event("rejected", candidate=candidate_id, node=node, kind=kind)
        self.ctx.reporter.candidate_done(candidate_id, f"rejected at {node}", kind)

    def _parallel(self, work: Callable[[str], object], items: list[str]) -> list[object]:
        if len(items) <= 1 or self.config.parallel == 1:
            return [work(item) for item in items]
        with ThreadPoolExecutor(max_workers=self.config.parallel) as pool:
            return list(pool.map(work, items))


def _human_feedback_path(iteration: int) -> str:
    """Where a reviewer's feedback for the designer of round ``iteration`` is kept."""
    return f"feedback/i{iteration:02d}.txt"


def _gate_reason(verify: VerifyResult | None) -> tuple[str, str] | None:
    """The cheap pre-training checks this loop runs on a verified candidate, or None when it passes."""
    if verify is None:
        return ("gate_no_verify_result", "verification left no statistics to gate on")
    total = verify.total_stats
    if total is not None and total.std == 0.0:
        return (
            "constant_reward",
            f"the total reward is {total.mean:g} on every sampled state, so it cannot tell good behaviour from bad; "
            "make it depend on the state",
        )
    return None


def build_graph(ctx: LoopContext, connection: sqlite3.Connection) -> CompiledStateGraph:
    """Wire the nodes; all edges are in one block below."""
    nodes = DesignNodes(ctx)
    graph = StateGraph(LoopState)
    graph.add_node("specify", nodes.specify)
    graph.add_node("design", nodes.design, input_schema=DesignTask)
    graph.add_node("critic", nodes.critic)
    graph.add_node("verify", nodes.verify)
    graph.add_node("gate", nodes.gate)
    graph.add_node("train", nodes.train, input_schema=TrainTask)
    graph.add_node("analyze", nodes.analyze)
    graph.add_node("select", nodes.select)
    graph.add_node("review", nodes.review)
    graph.add_node("correct_spec", nodes.correct_spec)
    graph.add_node("final_eval", nodes.final_eval)
    graph.add_node("report", nodes.report)

    graph.add_edge(START, "specify")
    graph.add_conditional_edges("specify", nodes.fan_out_design, ["design"])
    graph.add_edge("design", "critic")
    graph.add_edge("critic", "verify")
    graph.add_edge("verify", "gate")
    graph.add_conditional_edges("gate", nodes.fan_out_train, ["train", "select"])
    graph.add_edge("train", "analyze")
    graph.add_edge("analyze", "select")
    # select, review and correct_spec route themselves with Command (to design, correct_spec, review or
    # final_eval).
    graph.add_edge("final_eval", "report")
    graph.add_edge("report", END)
    return graph.compile(checkpointer=SqliteSaver(connection))
