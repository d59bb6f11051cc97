"""What agents exchange with the design loop: typed candidates, verdicts, analyses and requests.

``RubricCheckResult`` lives with the rubric in :mod:`rewardsmith.rewards.rubric` (the check language
belongs below the agents) and is re-exported here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from rewardsmith.rewards.rubric import Rubric, RubricCheckResult
from rewardsmith.tasks.spec import TaskSpec


class Candidate(BaseModel):
    """One reward candidate: code in the reward contract plus where it came from."""

    id: str = Field(description="Unique within a run, e.g. 'i01-c03'.")
    iteration: int = Field(ge=0, description="Design round that produced it (0 = seed rewards).")
    code: str = Field(description="Reward-contract source (or raw designer text; the loader extracts the code).")
    rationale: str = Field(default="", description="The designer's short reason for this reward.")
    designer: str = Field(description="Who wrote it: 'rule-based' or the model's name.")
    parent_id: str | None = Field(default=None, description="The candidate this one mutates or repairs.")
    repair_round: int = Field(default=0, ge=0, description="How many critic repairs led to this code.")
    failure_kind: str | None = Field(
        default=None,
        description="Set when the designer could not produce this candidate at all: 'llm_<call error kind>' "
        "(e.g. 'llm_server_error', 'llm_bad_response') or 'budget_exhausted'; the loop rejects it at design.",
    )
    failure: str | None = Field(default=None, description="Why the designer could not produce it, in one line.")


class CriticFinding(BaseModel):
    """One problem the critic sees in a candidate."""

    rule: str = Field(description="Stable rule id, e.g. 'forbidden_import', 'python_loop', 'item_call'.")
    severity: Literal["error", "warning"] = Field(description="Errors reject the candidate; warnings do not.")
    message: str = Field(description="What is wrong and how to fix it, written for the designer.")
    line: int | None = Field(default=None, description="1-based line in the candidate code, when known.")


class CriticVerdict(BaseModel):
    """The critic's judgement of one candidate."""

    candidate_id: str
    passed: bool = Field(description="True when no finding is an error.")
    findings: list[CriticFinding] = Field(default_factory=list)
    critic: str = Field(description="'rule-based' or the model's name.")


class ComponentReflection(BaseModel):
    """Eureka-style reflection on one reward component over training."""

    name: str
    values: list[float | None] = Field(description="Mean per-episode sum at each checkpoint.")
    max: float
    mean: float
    min: float
    trend: float = Field(description="Least-squares slope per checkpoint.")
    fitness_correlation: float | None = Field(description="Pearson correlation with eval fitness across checkpoints.")
    share: float = Field(description="Mean |component| divided by the sum of mean |components|.")


class EpisodeDigest(BaseModel):
    """A short account of one recorded evaluation episode."""

    checkpoint: int
    episode: int
    fitness: float
    length: int
    designed_return: float
    components: dict[str, float] = Field(description="Per-episode sum of each component.")
    summary: str = Field(description="Plain text: how state variables moved over the episode.")


class Finding(BaseModel):
    """One thing the analyzer noticed, with its evidence."""

    kind: str = Field(
        description="Stable id: 'flat_component', 'dominant_component', 'anti_correlated_component', "
        "'reward_fitness_divergence', 'low_fitness', 'rubric_violation', 'degenerate_behaviour', ..."
    )
    severity: Literal["info", "warning", "hacking"]
    message: str
    component: str | None = None
    criterion: str | None = Field(default=None, description="The rubric criterion concerned, for rubric findings.")
    evidence: str = ""


class Analysis(BaseModel):
    """The trajectory analyzer's report on one trained candidate."""

    candidate_id: str
    fitness: float
    components: list[ComponentReflection]
    total_fitness_correlation: float | None
    best_episode: EpisodeDigest | None
    worst_episode: EpisodeDigest | None
    rubric_results: list[RubricCheckResult] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    hacking_suspected: bool = False
    suggestions: list[str] = Field(default_factory=list)
    reflection: str = Field(description="The text a designer reads: component curves, findings, suggestions.")
    analyzer: str = Field(description="'rule-based' or the model's name.")


class Feedback(BaseModel):
    """What the designer sees of earlier rounds."""

    best: Candidate | None = Field(default=None, description="The best candidate so far by task fitness.")
    best_fitness: float | None = None
    analysis: Analysis | None = Field(default=None, description="The analysis of the best candidate.")
    rejected: list[tuple[str, str]] = Field(
        default_factory=list, description="(candidate id, reason) for candidates rejected last round."
    )
    human: str | None = Field(default=None, description="Free-text feedback from a reviewer.")


class DesignRequest(BaseModel):
    """Everything a designer gets for one round."""

    task: TaskSpec
    context: str = Field(description="The rendered environment context (typed stubs, observation code).")
    rubric: Rubric
    iteration: int = Field(ge=1)
    samples: int = Field(ge=1, description="How many candidates to return.")
    seed: int = Field(description="Seed for any randomness in the designer.")
    feedback: Feedback | None = None


Analysis.model_rebuild()
