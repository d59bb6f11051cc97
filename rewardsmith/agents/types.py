"""What agents exchange with the design loop: typed candidates, verdicts, analyses and requests.

``RubricCheckResult`` lives with the rubric in :mod:`rewardsmith.rewards.rubric` (the check language
belongs below the agents) and is re-exported here; the kinds of finding come from the one exploit
vocabulary, :mod:`rewardsmith.gate.exploits`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from rewardsmith.gate.exploits import Exploit, FindingKind, TextProbeName, exploits_of
from rewardsmith.gate.judge import GateReport
from rewardsmith.rewards.errors import NoCodeError
from rewardsmith.rewards.extract import extract_code
from rewardsmith.rewards.rubric import Rubric, RubricCheckResult
from rewardsmith.tasks.spec import TaskSpec

Stage = Literal["design", "critic", "verify", "gate", "train"]
"""The loop's stages a candidate can stop at."""


class Draft(BaseModel):
    """A designer's answer for one sample, before the loop names it and places it in a round."""

    code: str = Field(
        default="", description="The reward code, as found in the designer's answer; empty when it had none."
    )
    answer: str | None = Field(
        default=None, description="The designer's whole answer, kept when no code could be found in it."
    )
    missing_code: str | None = Field(
        default=None, description="Why no code could be found in the answer, as the critic will say it."
    )
    rationale: str = Field(default="", description="The designer's short reason for this reward.")
    designer: str = Field(description="Who wrote it: 'rule-based', 'seed' or the model's name.")
    parent_id: str | None = Field(default=None, description="The candidate this one mutates or repairs.")
    failure_kind: str | None = Field(
        default=None,
        description="Set when the designer could not produce this candidate at all: 'llm_<call error kind>' "
        "(e.g. 'llm_server_error', 'llm_bad_response') or 'budget_exhausted'; the loop rejects it at design.",
    )
    failure: str | None = Field(default=None, description="Why the designer could not produce it, in one line.")

    @classmethod
    def from_answer(cls, text: str, *, designer: str, rationale: str = "", parent_id: str | None = None) -> Draft:
        """A draft of whatever code ``text`` holds (a raw LLM answer, a reward file); the text is kept
        whole when it holds none, so the critic can say so."""
        try:
            return cls(code=extract_code(text), rationale=rationale, designer=designer, parent_id=parent_id)
        except NoCodeError as error:
            return cls(
                answer=text, missing_code=str(error), rationale=rationale, designer=designer, parent_id=parent_id
            )


class Candidate(Draft):
    """One reward candidate of a run: a draft with its id, its round and its repairs."""

    id: str = Field(description="Unique within a run, e.g. 'i01-c03'.")
    iteration: int = Field(ge=0, description="Design round that produced it (0 = seed rewards).")
    repair_round: int = Field(default=0, ge=0, description="How many critic repairs led to this code.")

    @classmethod
    def of(cls, draft: Draft, *, candidate_id: str, iteration: int, repair_round: int = 0) -> Candidate:
        """The candidate ``draft`` becomes in a run."""
        fields = draft.model_dump(include=set(Draft.model_fields))
        return cls(**fields, id=candidate_id, iteration=iteration, repair_round=repair_round)


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


EvidenceValue = float | int | str | list[float | None] | None
"""One measured value behind a finding: a number, a name, or a curve over checkpoints."""


def evidence_text(evidence: Mapping[str, EvidenceValue]) -> str:
    """Evidence as a person or a model reads it: ``key=value`` pairs, numbers to four figures."""

    def show(value: EvidenceValue) -> str:
        if isinstance(value, list):
            return "[" + ", ".join(show(item) for item in value) + "]"
        if value is None:
            return "nan"
        if isinstance(value, str | int):
            return str(value)
        return "nan" if math.isnan(value) else f"{value:.4g}"

    return "; ".join(f"{key}={show(value)}" for key, value in evidence.items())


class Finding(BaseModel):
    """One thing the analyzer (or the gate, before training) noticed, with its evidence."""

    kind: FindingKind = Field(description="Stable id, from the one vocabulary of rewardsmith.gate.exploits.")
    severity: Literal["info", "warning", "hacking"]
    message: str
    component: str | None = None
    criterion: str | None = Field(default=None, description="The rubric criterion concerned, for rubric findings.")
    evidence: dict[str, EvidenceValue] = Field(
        default_factory=dict, description="The measured values behind the finding, by name."
    )
    exploits: tuple[Exploit, ...] = Field(
        default=(), description="What the behaviour it names exploits; by default what its kind names."
    )

    @model_validator(mode="after")
    def _exploits_of_kind(self) -> Finding:
        if not self.exploits:
            self.exploits = exploits_of(self.kind)
        return self

    def evidence_text(self) -> str:
        return evidence_text(self.evidence)


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


class Rejection(BaseModel):
    """A candidate of the last round that never trained, and why."""

    candidate_id: str
    stage: Stage = Field(description="Where it was stopped.")
    kind: str = Field(description="The stable reason: a critic rule, a verify error kind, a gate verdict.")
    reason: str = Field(description="Why, in words a designer can act on.")
    gate: GateReport | None = Field(default=None, description="The gate's report, for a candidate the gate stopped.")
    text_probes: list[TextProbeName] = Field(
        default_factory=list,
        description="For a text reward the gate stopped: every probe it paid as much as a correct completion, the "
        "one paid most above competence first.",
    )

    def evidence(self) -> str:
        """What a designer reads: the gate's whole report (the misranked trajectories, by how much), or the reason."""
        return self.gate.evidence() if self.gate is not None else self.reason


class Feedback(BaseModel):
    """What the designer sees of earlier rounds."""

    best: Candidate | None = Field(default=None, description="The best candidate so far by task fitness.")
    best_fitness: float | None = None
    analysis: Analysis | None = Field(default=None, description="The analysis of the best candidate.")
    rejected: list[Rejection] = Field(default_factory=list, description="Candidates rejected last round.")
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
