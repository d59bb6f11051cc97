"""What the design loop asks of a text task's agents: the request a text designer gets, and each role's protocol.

A text task's designer reads the task's description, a few training prompts and a few completions of the
current policy, never the trusted checker. The spec corrector is the control family's role unchanged
(:class:`~rewardsmith.agents.protocols.SpecCorrector`): it revises a rubric from an analysis's findings,
whose kinds come from the one vocabulary of :mod:`rewardsmith.gate.exploits`.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.agents.protocols import SpecCorrector
from rewardsmith.agents.types import Analysis, Candidate, CriticVerdict, Draft, Feedback
from rewardsmith.rewards.rubric import Rubric
from rewardsmith.text.task import TextExample, TextTask
from rewardsmith.text.training import TextTaskRef, TextTrainingResult


class TextDesignRequest(BaseModel):
    """Everything a text designer gets for one round."""

    model_config = ConfigDict(frozen=True)

    task: TextTaskRef = Field(description="The task by name and seed (its examples, not its checker).")
    description: str = Field(description="The task in words: the answer form and the length limit included.")
    max_chars: int = Field(gt=0, description="Longest completion that can score.")
    examples: list[TextExample] = Field(description="A few training prompts, with their answers, forms and columns.")
    policy_completions: list[str] = Field(
        default_factory=list,
        description="A few greedy completions of held-out prompts by the latest trained policy; the untrained "
        "policy's in round 1.",
    )
    context: str = Field(description="The whole of the above rendered as one text, as an LLM designer reads it.")
    rubric: Rubric
    iteration: int = Field(ge=1)
    samples: int = Field(ge=1, description="How many candidates to return.")
    seed: int = Field(description="Seed for any randomness in the designer.")
    feedback: Feedback | None = None


class TextDesigner(Protocol):
    """Writes a round's text reward drafts (verifier code in the text contract), and repairs one the critic rejected."""

    @property
    def name(self) -> str: ...

    def design(self, request: TextDesignRequest) -> list[Draft]:
        """Exactly ``request.samples`` drafts; one the designer could not write carries ``failure_kind``."""
        ...

    def repair(self, candidate: Candidate, verdict: CriticVerdict, request: TextDesignRequest) -> Draft | None: ...


class TextCritic(Protocol):
    """Judges text reward code before it runs anywhere."""

    def review(self, candidate: Candidate, task: TextTask) -> CriticVerdict: ...


class TextSpecWriter(Protocol):
    """Writes rubric v1 from a text task."""

    def initial(self, task: TextTask) -> Rubric: ...


class TextAnalyzer(Protocol):
    """Reads a GRPO run's learning curve and says what it shows, with the text detectors' findings."""

    def analyze(
        self,
        candidate: Candidate,
        result: TextTrainingResult,
        rubric: Rubric,
        task: TextTask,
        competent_reward: float | None = None,
    ) -> Analysis:
        """``competent_reward``: the median reward of the task's solutions, the scale reward changes are read on."""
        ...


__all__ = [
    "SpecCorrector",
    "TextAnalyzer",
    "TextCritic",
    "TextDesignRequest",
    "TextDesigner",
    "TextSpecWriter",
]
