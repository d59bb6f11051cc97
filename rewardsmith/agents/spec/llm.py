"""The LLM specification self-corrector (SSC).

1. critique the candidate against the spec; 2. write spec v(n+1) as JSON criteria, every machine
check validated in the check language (an invalid check is dropped, and the diff says so), with a
diff and a reason; 3. the designer regenerates in a fresh context under the new spec, which is how
the loop runs anyway. When the model's answer is unusable, the rule-based corrector's revision is
used and its reason says so. :class:`ModelSpecCorrector` is all of that for any family.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field, ValidationError

from rewardsmith.agents.prompting import AnswerError, ChatAgent, ask_json, data_block, one_line, render
from rewardsmith.agents.protocols import SpecCorrector
from rewardsmith.agents.spec.rule_based import RuleBasedSpecCorrector
from rewardsmith.agents.types import Analysis, Candidate
from rewardsmith.llm.base import BudgetExhaustedError, ChatModel, LLMCallError
from rewardsmith.rewards.rubric import CHECK_FUNCTIONS, Criterion, Rubric, RubricCheckError, parse_check
from rewardsmith.tasks.spec import TaskSpec


class CriterionAnswer(BaseModel):
    id: str = Field(max_length=80)
    text: str = Field(max_length=1000)
    weight: float
    check: str | None = None
    pass_fraction: float | None = None


class SpecAnswer(BaseModel):
    """The structured form of the SSC's answer."""

    critique: str = Field(max_length=4000)
    reason: str = Field(max_length=1000)
    criteria: list[CriterionAnswer] = Field(max_length=30)


class ModelSpecCorrector(ChatAgent):
    """Revises the specification with a chat model, falling back to a family's rule-based corrector.

    A family's corrector gives it its system prompt (:meth:`_system`), what a machine check may say
    (:meth:`_check`) and any completion of the model's version (:meth:`_completed`).

    Args:
        chat: The corrector's model.
        fallback: The rule-based corrector whose revision stands where the model's answer is unusable.
        max_tokens: Completion tokens of one answer: a whole specification is longer than a verdict.
    """

    def __init__(self, chat: ChatModel, fallback: SpecCorrector, *, max_tokens: int = 2048) -> None:
        super().__init__(chat, max_tokens=max_tokens)
        self._fallback = fallback
        #: The model's critique of the last candidate it was shown (step 1), for the record.
        self.last_critique: str | None = None

    def _system(self) -> str:
        raise NotImplementedError

    def _check(self, check: str) -> None:
        """Accept a machine check as the family's check language reads it.

        Raises:
            RubricCheckError: The check is not one this family can run.
        """
        raise NotImplementedError

    def _completed(self, revised: Rubric, analysis: Analysis, candidate: Candidate) -> Rubric:
        """The model's version, with whatever the family requires of every version added."""
        return revised

    def correct(self, rubric: Rubric, analysis: Analysis, candidate: Candidate) -> Rubric | None:
        findings = "\n".join(
            f"- [{f.severity}] {f.kind}: {f.message}" + (f" (evidence: {f.evidence_text()})" if f.evidence else "")
            for f in analysis.findings
        )
        user = render(
            "ssc_user",
            spec_block=data_block("specification", rubric.render()),
            code_block=data_block("candidate_code", candidate.code),
            analysis_block=data_block("analysis", f"{analysis.reflection}\n\nFindings:\n{findings or '(none)'}"),
        )
        try:
            answer = ask_json(self.chat, self._system(), user, SpecAnswer, max_tokens=self.max_tokens)
        except (LLMCallError, AnswerError, BudgetExhaustedError) as error:
            return self._fall_back(rubric, analysis, candidate, one_line(error))
        self.last_critique = answer.critique
        criteria, notes = usable_criteria(answer.criteria, self._check)
        if not criteria:
            return self._fall_back(rubric, analysis, candidate, "no usable criterion in the model's answer")
        diff = _diff(rubric.criteria, criteria) + notes
        if not _diff(rubric.criteria, criteria):
            return self._fall_back(rubric, analysis, candidate, "the model's version changes nothing")
        reason = answer.reason.strip() or "the model revised the specification"
        revised = Rubric(
            version=rubric.version + 1,
            criteria=criteria,
            parent_version=rubric.version,
            reason=f"{reason} (critique: {answer.critique.strip()[:400]})" if answer.critique.strip() else reason,
            diff=diff,
            author=self.name,
        )
        return self._completed(revised, analysis, candidate)

    def _fall_back(self, rubric: Rubric, analysis: Analysis, candidate: Candidate, why: str) -> Rubric | None:
        revised = self._fallback.correct(rubric, analysis, candidate)
        if revised is None:
            return None
        note = f"rule-based correction: the model's answer was unusable ({why})"
        return revised.model_copy(update={"reason": f"{revised.reason} ({note})", "diff": [*revised.diff, note]})


class LLMSpecCorrector(ModelSpecCorrector):
    """Revises a control task's specification with a chat model, falling back to the rule-based corrector.

    Args:
        chat: The corrector's model.
        task: The task, whose state variables a machine check may name.
        max_tokens: Completion tokens of one answer.
    """

    def __init__(self, chat: ChatModel, task: TaskSpec, *, max_tokens: int = 2048) -> None:
        super().__init__(chat, RuleBasedSpecCorrector(), max_tokens=max_tokens)
        self.task = task

    @property
    def _names(self) -> list[str]:
        return [variable.name for variable in self.task.state_variables]

    def _system(self) -> str:
        return render(
            "ssc_system",
            language=f"functions {', '.join(CHECK_FUNCTIONS)}, arithmetic (+ - * / **), comparisons, and/or/not",
            names=", ".join([*self._names, "length", "time_to_goal"]),
        )

    def _check(self, check: str) -> None:
        parse_check(check, self._names)


def usable_criteria(
    proposed: list[CriterionAnswer], check_of: Callable[[str], None]
) -> tuple[list[Criterion], list[str]]:
    """The criteria of a model's answer that make a valid version, and a note for each thing dropped.

    Args:
        proposed: The answer's criteria.
        check_of: Accepts a machine check, or raises :class:`RubricCheckError` (the check alone is dropped).
    """
    criteria: dict[str, Criterion] = {}
    notes: list[str] = []
    for answer in proposed:
        check = answer.check.strip() if answer.check and answer.check.strip() else None
        if check is not None:
            try:
                check_of(check)
            except RubricCheckError as error:
                notes.append(f"dropped the invalid check '{check}' of {answer.id}: {error}")
                check = None
        fields = {"id": answer.id, "text": answer.text, "weight": answer.weight, "check": check}
        if answer.pass_fraction is not None:
            fields["pass_fraction"] = answer.pass_fraction
        try:
            criterion = Criterion.model_validate(fields)
        except ValidationError as error:
            notes.append(f"dropped the criterion {answer.id}: {error.errors()[0]['msg']}")
            continue
        if criterion.id in criteria:
            notes.append(f"dropped a second criterion named {criterion.id}")
            continue
        criteria[criterion.id] = criterion
    return list(criteria.values()), notes


def _diff(old: list[Criterion], new: list[Criterion]) -> list[str]:
    before = {criterion.id: criterion for criterion in old}
    after = {criterion.id: criterion for criterion in new}
    lines = [
        f"+ {c.id}: {c.text}" + (f" [check: {c.check}]" if c.check else "") for i, c in after.items() if i not in before
    ]
    lines += [f"- {c.id}" for i, c in before.items() if i not in after]
    for identifier, criterion in after.items():
        previous = before.get(identifier)
        if previous is None:
            continue
        for field in ("text", "weight", "check", "pass_fraction"):
            was, now = getattr(previous, field), getattr(criterion, field)
            if was != now:
                lines.append(f"~ {identifier}.{field}: {was!r} -> {now!r}")
    return lines
