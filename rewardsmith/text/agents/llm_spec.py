"""The LLM spec writer and Specification Self-Corrector of text tasks.

:class:`LLMTextSpecWriter` writes rubric v1 from what the text designer reads of the task (its description,
the contract and columns, a few training prompts with their answers and forms, the length limit; never the
checker). :class:`LLMTextSpecCorrector` is the control corrector's revision
(:class:`~rewardsmith.agents.spec.llm.ModelSpecCorrector`) on the text family's terms.

Decisions:

- A text criterion has no machine check (see :mod:`rewardsmith.text.agents.spec`): a check in a model's
  answer is dropped, and the version's diff says so.
- A revision names every exploit the analysis marks as hacking, in ``no_exploit_<kind>`` as the rule-based
  corrector names it (:func:`~rewardsmith.text.agents.spec.exploit_kind`). The model words it; where the
  model's version leaves one out, the rule-based criterion is added and the diff says the model did not name
  it, so a model cannot drop an exploit the gate or the detectors found.
- An answer that cannot be used (a failed call, no JSON, no valid criterion, a spent budget) gives the
  rule-based version, whose reason says in one line why: a run always has a specification to design against.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from rewardsmith.agents.prompting import AnswerError, ChatAgent, ask_json, data_block, one_line, render_in
from rewardsmith.agents.spec.llm import CriterionAnswer, ModelSpecCorrector, usable_criteria
from rewardsmith.agents.types import Analysis, Candidate
from rewardsmith.llm.base import BudgetExhaustedError, ChatModel, LLMCallError
from rewardsmith.rewards.rubric import Rubric, RubricCheckError
from rewardsmith.text.agents.prompting import TEXT_PROMPTS, probe_lines
from rewardsmith.text.agents.spec import (
    TEXT_EXPLOITS,
    RuleBasedTextSpecCorrector,
    RuleBasedTextSpecWriter,
    exploit_kind,
)
from rewardsmith.text.context import render_text_context
from rewardsmith.text.task import TextTask

#: Training prompts the writer's context quotes, as the designer's does.
CONTEXT_EXAMPLES = 3
#: Completion tokens of a whole specification.
SPEC_TOKENS = 2048


def no_check(check: str) -> None:
    """Refuse every machine check: a text task's trusted check is its checker, which stays held out.

    Raises:
        RubricCheckError: Always.
    """
    raise RubricCheckError("a text criterion has no machine check (the task's checker stays held out)")


class WriterAnswer(BaseModel):
    """The structured form of the spec writer's answer."""

    reason: str = Field(max_length=1000)
    criteria: list[CriterionAnswer] = Field(max_length=30)


class LLMTextSpecWriter(ChatAgent):
    """Writes rubric v1 of a text task with a chat model, falling back to the rule-based writer.

    Args:
        chat: The spec writer's model (the ``spec`` role's).
        max_tokens: Completion tokens of one answer.
    """

    def __init__(self, chat: ChatModel, *, max_tokens: int = SPEC_TOKENS) -> None:
        super().__init__(chat, max_tokens=max_tokens)
        self._fallback = RuleBasedTextSpecWriter()

    def initial(self, task: TextTask) -> Rubric:
        """Rubric v1 of ``task``: the model's criteria, or the rule-based ones where its answer is unusable."""
        context = render_text_context(task, task.train[:CONTEXT_EXAMPLES], [])
        user = render_in(TEXT_PROMPTS, "spec_user", context_block=data_block("task", context))
        system = render_in(TEXT_PROMPTS, "spec_system", probes=probe_lines())
        try:
            answer = ask_json(self.chat, system, user, WriterAnswer, max_tokens=self.max_tokens)
        except (LLMCallError, AnswerError, BudgetExhaustedError) as error:
            return self._fall_back(task, one_line(error))
        criteria, notes = usable_criteria(answer.criteria, no_check)
        if not criteria:
            return self._fall_back(task, "no usable criterion in the model's answer")
        reason = answer.reason.strip() or f"Initial specification of text task '{task.name}'"
        return Rubric(version=1, criteria=criteria, reason=reason, diff=notes, author=self.name)

    def _fall_back(self, task: TextTask, why: str) -> Rubric:
        rubric = self._fallback.initial(task)
        note = f"rule-based specification: the model's answer was unusable ({why})"
        return rubric.model_copy(update={"reason": f"{rubric.reason} ({note})", "diff": [note]})


class LLMTextSpecCorrector(ModelSpecCorrector):
    """Revises a text task's specification with a chat model, naming every exploit the analysis found.

    Args:
        chat: The corrector's model.
        max_tokens: Completion tokens of one answer.
    """

    def __init__(self, chat: ChatModel, *, max_tokens: int = SPEC_TOKENS) -> None:
        super().__init__(chat, RuleBasedTextSpecCorrector(), max_tokens=max_tokens)

    def _system(self) -> str:
        exploits = "\n".join(
            f"- {kind}: the reward paid {behaviour}. {instead}" for kind, (behaviour, instead) in TEXT_EXPLOITS.items()
        )
        return render_in(TEXT_PROMPTS, "ssc_system", exploits=exploits)

    def _check(self, check: str) -> None:
        no_check(check)

    def _completed(self, revised: Rubric, analysis: Analysis, candidate: Candidate) -> Rubric:
        named = {criterion.id for criterion in revised.criteria}
        missing = [
            finding
            for finding in analysis.findings
            if finding.severity == "hacking" and f"no_exploit_{exploit_kind(finding)}" not in named
        ]
        if not missing:
            return revised
        added = self._fallback.correct(revised, analysis.model_copy(update={"findings": missing}), candidate)
        if added is None:
            return revised
        diff = [f"{line} (the model's version did not name it)" for line in added.diff]
        return revised.model_copy(update={"criteria": added.criteria, "diff": [*revised.diff, *diff]})
