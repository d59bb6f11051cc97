"""The LLM text analyzer: the rule-based text analysis of a GRPO run, then a model's causes and suggestions.

It is the control LLM analyzer's addition (:func:`~rewardsmith.agents.analyzer.llm.amended`) on the text
family's terms. The model reads what :class:`~rewardsmith.text.agents.analyzer.RuleBasedTextAnalyzer` wrote
(the held-out fitness, reward, length and repetition curves, each component, the text detectors' findings and
the trained policy's completions) under a system prompt of its own (``rewardsmith/text/prompts/analyzer_system.md``).

Decisions:

- The detectors stay the authority on what happened: their findings are kept as they are, and the model adds
  only findings of the two kinds the vocabulary gives a model (``llm_failure_cause``, ``llm_suspected_hacking``).
- A hacking flag counts only with evidence text, as for control tasks. The behaviour it names is one of the
  text exploit kinds (:data:`~rewardsmith.text.agents.spec.TEXT_EXPLOITS`) or ``other``, so the spec corrector
  words a model's sighting of repetition as it words the detector's.
- A model that cannot be used (a failed call, an unusable answer, a spent budget) leaves the rule-based
  analysis, its reflection saying why in one line.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from rewardsmith.agents.analyzer.llm import amended, suspected_hacking, unusable
from rewardsmith.agents.prompting import (
    DEFAULT_JSON_TOKENS,
    AnswerError,
    ChatAgent,
    ask_json,
    data_block,
    render,
    render_in,
)
from rewardsmith.agents.types import Analysis, Candidate
from rewardsmith.llm.base import BudgetExhaustedError, ChatModel, LLMCallError
from rewardsmith.rewards.rubric import Rubric
from rewardsmith.text.agents.analyzer import RuleBasedTextAnalyzer
from rewardsmith.text.agents.prompting import TEXT_PROMPTS
from rewardsmith.text.agents.spec import TEXT_EXPLOITS
from rewardsmith.text.task import TextTask
from rewardsmith.text.training import TextTrainingResult

#: A behaviour the model may say the reward pays for: a text exploit kind, or none of them.
OTHER = "other"
TextBehaviour = Literal[(*TEXT_EXPLOITS, OTHER)]  # type: ignore[valid-type]


class TextSuspectedHacking(BaseModel):
    message: str = Field(max_length=2000)
    evidence: str = Field(max_length=2000)
    behaviour: TextBehaviour = Field(  # type: ignore[valid-type]
        default=OTHER, description="What the reward pays for, as a text exploit kind, or 'other'."
    )


class TextAnalysisAnswer(BaseModel):
    """The structured form of the text analyzer's answer."""

    causes: list[str] = Field(default_factory=list, max_length=10)
    suggestions: list[str] = Field(default_factory=list, max_length=10)
    suspected_hacking: TextSuspectedHacking | None = None


class LLMTextAnalyzer(ChatAgent):
    """Analyses a GRPO run of a text reward with the rule-based text analyzer and a chat model.

    Args:
        chat: The analyzer's model.
        max_tokens: Completion tokens of one analysis.
    """

    def __init__(self, chat: ChatModel, *, max_tokens: int = DEFAULT_JSON_TOKENS) -> None:
        super().__init__(chat, max_tokens=max_tokens)
        self._rules = RuleBasedTextAnalyzer()

    def analyze(
        self,
        candidate: Candidate,
        result: TextTrainingResult,
        rubric: Rubric,
        task: TextTask,
        competent_reward: float | None = None,
    ) -> Analysis:
        analysis = self._rules.analyze(candidate, result, rubric, task, competent_reward)
        user = render(
            "analyzer_user",
            spec_block=data_block("specification", rubric.render()),
            code_block=data_block("candidate_code", candidate.code),
            analysis_block=data_block("training_statistics", analysis.reflection),
        )
        try:
            answer = ask_json(self.chat, _system(), user, TextAnalysisAnswer, max_tokens=self.max_tokens)
        except (LLMCallError, AnswerError, BudgetExhaustedError) as error:
            return unusable(analysis, error)
        hacking = answer.suspected_hacking
        flagged = None
        if hacking is not None and hacking.evidence.strip():
            flagged = suspected_hacking(hacking.message, hacking.evidence, behaviour=hacking.behaviour)
        return amended(analysis, self.name, answer.causes, answer.suggestions, flagged)


def _system() -> str:
    behaviours = "\n".join(f"- {kind}: the reward pays {wording.behaviour}" for kind, wording in TEXT_EXPLOITS.items())
    return render_in(TEXT_PROMPTS, "analyzer_system", behaviours=behaviours)
