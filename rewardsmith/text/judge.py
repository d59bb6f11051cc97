"""An LLM judge for rubric criteria: a fixed prompt, choices ordered worst to best, a reason before each verdict.

The judge asks its chat model (any of :mod:`rewardsmith.llm.providers`; the embedded model by default,
offline) for ``{"reason": ..., "verdict": ...}``, with the verdict constrained to the criterion's
choices where the provider enforces a schema. The verdict's rank among the choices, scaled to [0, 1], is
the criterion's score. The prompt quotes the graded prompt and answer as data, and tells the judge that
an answer addressing the grader counts against it: the defence against answers that ask for full marks.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from string import Template
from typing import Literal

from pydantic import BaseModel, Field, create_model

from rewardsmith.agents.prompting import AnswerError, ask_json, data_block
from rewardsmith.llm.base import ChatModel

#: Completion tokens of a verdict: a sentence or two of reason and one choice.
VERDICT_TOKENS = 256


class JudgeRecord(BaseModel):
    """One verdict a judge gave: on which question, prompt and answer, and its score."""

    question: str
    prompt: str
    answer: str
    score: float = Field(ge=0.0, le=1.0)


class JudgeVerdict(BaseModel):
    """One judged answer: the chosen choice, its rank scaled to [0, 1], and the judge's reason."""

    choice: str
    score: float = Field(ge=0.0, le=1.0, description="The choice's rank, 0 for the worst and 1 for the best.")
    reason: str


@cache
def _template(name: str) -> Template:
    text = resources.files("rewardsmith.text.prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")
    return Template(text.strip("\n"))


@cache
def _answer_model(choices: tuple[str, ...]) -> type[BaseModel]:
    # The reason comes first in the schema, so that a model writing in order reasons before it decides.
    return create_model(
        "Verdict",
        reason=(str, Field(description="Why, in one or two sentences.")),
        verdict=(Literal[choices], Field(description="One of the choices, as listed.")),  # type: ignore[valid-type]
    )


class LLMJudge:
    """Grades answers with a chat model, one criterion at a time, at temperature 0.

    Args:
        model: The chat model that judges.
    """

    def __init__(self, model: ChatModel) -> None:
        self.model = model
        self._records: list[JudgeRecord] = []

    @property
    def name(self) -> str:
        return self.model.name

    def judge(self, question: str, choices: tuple[str, ...], prompt: str, answer: str) -> JudgeVerdict:
        """Grade ``answer`` to ``prompt`` against ``question``, choosing one of ``choices`` (worst first).

        Raises:
            JudgeError: The judge's answer is not a verdict among the choices.
            LLMCallError: The call failed after the provider's retries.
        """
        user = _template("judge_user").substitute(
            question=question,
            choices="\n".join(f"- {choice}" for choice in choices),
            prompt_block=data_block("prompt", prompt),
            answer_block=data_block("answer", answer),
        )
        try:
            verdict = ask_json(
                self.model,
                _template("judge_system").template,
                user,
                _answer_model(choices),
                max_tokens=VERDICT_TOKENS,
            )
        except AnswerError as error:
            raise JudgeError(f"the judge {self.name} gave no verdict among {list(choices)}: {error}") from None
        choice = str(verdict.verdict)  # type: ignore[attr-defined]
        score = choices.index(choice) / (len(choices) - 1)
        self._records.append(JudgeRecord(question=question, prompt=prompt, answer=answer, score=score))
        return JudgeVerdict(choice=choice, score=score, reason=str(verdict.reason))  # type: ignore[attr-defined]

    def score(self, question: str, choices: Sequence[str], prompt: str, answer: str) -> float:
        """:meth:`judge`'s score alone: what a reward's ``judge`` parameter returns.

        Raises:
            ValueError: Fewer than two distinct choices.
            JudgeError, LLMCallError: As :meth:`judge`.
        """
        if len(set(choices)) < 2 or len(set(choices)) != len(choices):
            raise ValueError(f"the judge needs two or more distinct choices, worst first; got {list(choices)}")
        return self.judge(question, tuple(choices), prompt, answer).score

    def take_records(self) -> list[JudgeRecord]:
        """The verdicts given since the last call, oldest first; forgotten here."""
        records, self._records = self._records, []
        return records


class JudgeError(ValueError):
    """A judge's answer that is no verdict among the choices; the message is one line."""


def judge_for(choice: str | None) -> LLMJudge:
    """The judge an ``--llm`` string names; the embedded model where ``choice`` is None.

    Raises:
        LLMChoiceError: ``choice`` is malformed, or names no model (``offline``).
        LLMUnavailableError: The provider cannot run here (a missing key, package or file).
    """
    if choice is None:
        return embedded_judge()
    from rewardsmith.llm.choice import LLMChoiceError, parse_llm_choice
    from rewardsmith.llm.factory import make_chat_model
    from rewardsmith.llm.retry import RetryPolicy

    parsed = parse_llm_choice(choice)
    if not parsed.calls_a_model:
        raise LLMChoiceError(choice, "a judge must be a model")
    return LLMJudge(make_chat_model(parsed, retry=RetryPolicy()))


def embedded_judge() -> LLMJudge:
    """The offline default: the embedded SmolLM2-135M as judge (loads on its first verdict)."""
    from rewardsmith.llm.providers import LocalChoice

    return LLMJudge(LocalChoice().build(retry=None, timeout_s=300.0))
