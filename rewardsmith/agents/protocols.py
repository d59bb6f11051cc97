"""The loop's agent roles: what a designer, critic, analyzer, spec writer and spec corrector must do.

Each role has a rule-based implementation and an LLM one; :class:`Agents` holds one of each for a
run, the rule-based ones unless others are given. A new implementation of a role satisfies its
protocol here and is chosen in :mod:`rewardsmith.loop.agents`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rewardsmith.agents.analyzer.rule_based import RuleBasedAnalyzer
from rewardsmith.agents.critic.static import StaticCritic
from rewardsmith.agents.designer.rule_based import RuleBasedDesigner
from rewardsmith.agents.spec.rule_based import RuleBasedSpecCorrector, RuleBasedSpecWriter
from rewardsmith.agents.types import Analysis, Candidate, CriticVerdict, DesignRequest, Draft
from rewardsmith.gate.evidence import PoolEvidence
from rewardsmith.llm import TokenBudget
from rewardsmith.rewards.rubric import Rubric, RubricCheckResult
from rewardsmith.tasks.spec import TaskSpec
from rewardsmith.training import TrainingResult


class Designer(Protocol):
    """Writes a round's reward drafts, and rewrites one the critic rejected."""

    @property
    def name(self) -> str: ...

    def design(self, request: DesignRequest) -> list[Draft]:
        """Exactly ``request.samples`` drafts for one round, in one call; a draft the designer could not
        write carries ``failure_kind`` rather than raising."""
        ...

    def repair(self, candidate: Candidate, verdict: CriticVerdict, request: DesignRequest) -> Draft | None:
        """A rewrite of ``candidate`` that answers ``verdict``, or None when this designer cannot repair.

        Raises:
            rewardsmith.llm.BudgetExhaustedError: The run's token budget is spent.
        """
        ...


class Critic(Protocol):
    """Judges a candidate's code before it runs anywhere."""

    def review(self, candidate: Candidate, task: TaskSpec) -> CriticVerdict: ...


class Analyzer(Protocol):
    """Reads a trained candidate's statistics and episodes, and says what they show."""

    def analyze(
        self,
        candidate: Candidate,
        result: TrainingResult,
        run_dir: Path,
        rubric: Rubric,
        *,
        task: TaskSpec,
        rubric_results: list[RubricCheckResult] | None = None,
        pool: PoolEvidence | None = None,
    ) -> Analysis: ...


class SpecWriter(Protocol):
    """Writes rubric v1 from the task."""

    def initial(self, task: TaskSpec) -> Rubric: ...


class SpecCorrector(Protocol):
    """Writes the next rubric version when an analysis shows hacking or a violated criterion."""

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
