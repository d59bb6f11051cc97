"""The LLM critic: the static rules first, then a model's checklist review with concrete fixes.

Static errors always reject; the model can add errors (a missing success term, a loophole at
terminal states) but cannot clear a static one. When the model cannot be reached or answers
unusably, or the run's token budget is spent, the static verdict stands, with a warning that says the
review was skipped.

:class:`ModelCritic` is all of that for any family: a family's critic gives it its rule-based first pass,
the task context the review reads and its checklist (the system prompt).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from rewardsmith.agents.critic.static import StaticCritic
from rewardsmith.agents.prompting import (
    DEFAULT_JSON_TOKENS,
    AnswerError,
    ChatAgent,
    ask_json,
    data_block,
    one_line,
    render,
)
from rewardsmith.agents.types import Candidate, CriticFinding, CriticVerdict
from rewardsmith.llm.base import BudgetExhaustedError, ChatModel, LLMCallError
from rewardsmith.tasks.spec import TaskSpec


class ReviewFinding(BaseModel):
    rule: str = Field(max_length=80)
    severity: Literal["error", "warning"]
    message: str = Field(max_length=2000)
    line: int | None = None


class ReviewAnswer(BaseModel):
    """The structured form of the critic's answer."""

    passed: bool
    findings: list[ReviewFinding] = Field(default_factory=list, max_length=20)


TaskT = TypeVar("TaskT")


class ModelCritic(ChatAgent, Generic[TaskT]):
    """Reviews candidates with a family's rule-based critic first and a chat model after it.

    Args:
        chat: The critic's model; it never sees the designer's conversation.
        rubric_text: Returns the specification in force (the one the candidate was written
            against), as a designer reads it.
        max_tokens: Completion tokens of one review.
    """

    def __init__(
        self, chat: ChatModel, rubric_text: Callable[[], str] | None = None, *, max_tokens: int = DEFAULT_JSON_TOKENS
    ) -> None:
        super().__init__(chat, max_tokens=max_tokens)
        self._rubric_text = rubric_text or (lambda: "")

    def _first_pass(self, candidate: Candidate, task: TaskT) -> CriticVerdict:
        """The family's rule-based verdict, whose errors the model cannot clear."""
        raise NotImplementedError

    def _context(self, task: TaskT) -> str:
        """The task context the designer read, so the review judges against the same facts."""
        raise NotImplementedError

    def _system(self) -> str:
        """The checklist the model reviews against."""
        raise NotImplementedError

    def review(self, candidate: Candidate, task: TaskT) -> CriticVerdict:
        static = self._first_pass(candidate, task)
        code = candidate.code
        if not code.strip():
            # Nothing to review beyond what the static rules already refused.
            return static
        if not static.passed:
            # The static errors reject it anyway; a review would only spend tokens on code that goes back.
            return static
        user = render(
            "critic_user",
            context_block=data_block("task_context", self._context(task)),
            spec_block=data_block("specification", self._rubric_text() or "(no specification given)"),
            code_block=data_block("candidate_code", code),
            static_block=data_block(
                "static_findings",
                "\n".join(f"- [{f.severity}] {f.rule}: {f.message}" for f in static.findings) or "(none)",
            ),
        )
        try:
            answer = ask_json(self.chat, self._system(), user, ReviewAnswer, max_tokens=self.max_tokens)
        except (LLMCallError, AnswerError, BudgetExhaustedError) as error:
            skipped = CriticFinding(
                rule="llm_review_skipped",
                severity="warning",
                message=f"the model's review could not be used ({one_line(error)}); only the static rules ran",
            )
            return static.model_copy(update={"findings": [*static.findings, skipped]})
        model_findings = [
            CriticFinding(
                rule=f"llm_{finding.rule}" if not finding.rule.startswith("llm_") else finding.rule,
                severity=finding.severity,
                message=finding.message,
                line=finding.line,
            )
            for finding in answer.findings
        ]
        if not answer.passed and not any(f.severity == "error" for f in model_findings):
            model_findings.append(
                CriticFinding(rule="llm_rejected", severity="error", message="the reviewing model rejected the code")
            )
        findings = [*static.findings, *model_findings]
        return CriticVerdict(
            candidate_id=candidate.id,
            passed=not any(f.severity == "error" for f in findings),
            findings=findings,
            critic=f"{static.critic} + {self.name}",
        )


class LLMCritic(ModelCritic[TaskSpec]):
    """Reviews control candidates with the static rules and a chat model.

    Args:
        chat: The critic's model; it never sees the designer's conversation.
        context: The task context the designer read, so the review judges against the same facts.
        rubric_text: Returns the specification in force (the one the candidate was written
            against), as a designer reads it.
        max_tokens: Completion tokens of one review.
    """

    def __init__(
        self,
        chat: ChatModel,
        context: str,
        rubric_text: Callable[[], str] | None = None,
        *,
        max_tokens: int = DEFAULT_JSON_TOKENS,
    ) -> None:
        super().__init__(chat, rubric_text, max_tokens=max_tokens)
        self.context = context
        self._static = StaticCritic()

    def _first_pass(self, candidate: Candidate, task: TaskSpec) -> CriticVerdict:
        return self._static.review(candidate, task)

    def _context(self, task: TaskSpec) -> str:
        return self.context

    def _system(self) -> str:
        return render("critic_system")
