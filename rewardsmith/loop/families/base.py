"""What a task family gives the design loop: the one seam between the loop's graph and a kind of task.

The graph's nodes (:mod:`rewardsmith.loop.nodes`) walk the round's candidates, record each step and
route the run; everything that depends on what a task *is* (a simulator stepped by PPO, or prompts a
language model answers under GRPO) is a :class:`Family` method. A new family is a module of this
package implementing it, and one line in :mod:`rewardsmith.loop.families`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field

from rewardsmith.agents.protocols import Agents
from rewardsmith.agents.types import Analysis, Candidate, CriticVerdict, Draft, Rejection
from rewardsmith.loop.facts import TaskFacts, TaskFamily
from rewardsmith.rewards.rubric import Rubric
from rewardsmith.sandbox import SandboxResult

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from rewardsmith.config import DesignConfig
    from rewardsmith.llm import CallRecord, ChatModel
    from rewardsmith.loop.context import LoopContext
    from rewardsmith.loop.record import CandidateStatus, RunRecord
    from rewardsmith.loop.results import FinalEvaluation


class FamilyConfigError(ValueError):
    """A run setting the task's family cannot honour; the message is one line that says what to pass instead."""


class GateDecision(BaseModel):
    """The gate's word on one candidate, as the loop acts on it (the family records the whole verdict)."""

    passed: bool
    kind: str | None = Field(default=None, description="The stable reason kind, where it did not pass.")
    reason: str | None = Field(default=None, description="Why, in words a designer can act on.")


class Trained(BaseModel):
    """A finished training, as the loop's candidate status records it."""

    fitness: float = Field(description="The task's trusted fitness of the trained policy.")
    final_fitness: float | None = None
    steps: int = Field(ge=0, description="Environment steps (control) or optimiser steps (text).")
    wall_time_s: float = Field(ge=0)


class Family(Protocol):
    """One kind of task, as the loop's nodes use it. ``ctx`` is the run's :class:`LoopContext`."""

    @property
    def facts(self) -> TaskFacts: ...

    def check(self, config: DesignConfig) -> None:
        """Refuse, before anything is made, a run setting this family cannot honour.

        Raises:
            FamilyConfigError: With the setting to pass instead.
        """
        ...

    def agents(
        self,
        config: DesignConfig,
        run_dir: Path,
        rubric_text: Callable[[], str],
        *,
        models: Mapping[str, ChatModel] | None,
        on_call: Callable[[CallRecord], None] | None,
    ) -> Agents:
        """The run's control agents and token budget, built from its config (see :mod:`rewardsmith.loop.agents`)."""
        ...

    def initial_rubric(self, ctx: LoopContext) -> Rubric:
        """Spec v1, from the task."""
        ...

    def prepare(self, ctx: LoopContext) -> None:
        """Work done once per run before round 1 (the control gate's trajectory pool); skips what is on disk."""
        ...

    def design(self, ctx: LoopContext, iteration: int, rubric_version: int) -> list[Draft]:
        """The round's ``config.samples`` drafts."""
        ...

    def review(self, ctx: LoopContext, candidate: Candidate) -> CriticVerdict: ...

    def repair(
        self, ctx: LoopContext, candidate: Candidate, verdict: CriticVerdict, iteration: int, rubric_version: int
    ) -> Draft | None:
        """A rewrite answering the critic, or None.

        Raises:
            rewardsmith.llm.BudgetExhaustedError: The run's token budget is spent.
        """
        ...

    def verify(self, ctx: LoopContext, candidate_id: str) -> SandboxResult:
        """Run the candidate's code in the sandbox on sampled inputs; the node records the result."""
        ...

    def gate(self, ctx: LoopContext, candidate_id: str) -> GateDecision:
        """Judge a verified candidate before any training, recording the family's whole verdict."""
        ...

    def train(self, ctx: LoopContext, candidate_id: str, rubric_version: int) -> SandboxResult:
        """Train on the candidate's reward in the sandbox; the node records the result."""
        ...

    def trained(self, result: SandboxResult) -> Trained | None:
        """What a training result says, or None where it holds no training."""
        ...

    def after_training(self, ctx: LoopContext, candidate_id: str, result: SandboxResult) -> None:
        """Anything a successful training adds to the run (the control gate's pool grows)."""
        ...

    def analyze(self, ctx: LoopContext, candidate_id: str, rubric_version: int) -> Analysis: ...

    def gate_analysis(self, ctx: LoopContext, status: CandidateStatus) -> Analysis | None:
        """An analysis of a candidate a hack probe stopped at the gate, for the spec corrector; else None."""
        ...

    def correct_spec(self, ctx: LoopContext, rubric: Rubric, analysis: Analysis, candidate: Candidate) -> Rubric | None:
        """The Specification Self-Corrector's next version answering ``analysis`` of ``candidate``, or None."""
        ...

    def rejection(self, ctx: LoopContext, status: CandidateStatus) -> Rejection:
        """What the next round's designer is told of a rejected candidate."""
        ...

    def final_train(self, ctx: LoopContext, name: str, seed: int, reward_code: str) -> SandboxResult:
        """One training of the final evaluation: ``reward_code`` on ``seed``, in the record's ``final/name``."""
        ...

    def final_steps(self, ctx: LoopContext) -> int:
        """Steps each training of the final evaluation runs."""
        ...

    def write_report(self, ctx: LoopContext, evaluation: FinalEvaluation, history: Sequence[Any]) -> None:
        """best_reward.py, the page and the summary, summary.json last."""
        ...

    def html_report(self, record: RunRecord) -> Path:
        """Make a finished run's report page again; its path.

        Raises:
            rewardsmith.loop.report.ReportError: The run has not finished, or a file of it cannot be read.
        """
        ...


__all__ = ["Family", "FamilyConfigError", "GateDecision", "TaskFacts", "TaskFamily", "Trained"]
