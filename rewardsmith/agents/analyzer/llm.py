"""The LLM trajectory analyzer: the rule-based analysis, then a model's failure causes and suggestions.

The rule-based findings always stay. The model may flag suspected reward hacking, but a flag counts
(a 'hacking' finding, which sends the loop to spec correction) only with evidence text. When the model
cannot be used (a failed call, an unusable answer, a spent budget) the rule-based analysis stands alone.
:func:`amended` and :func:`unusable` are how any family's model analyzer adds to its rule-based analysis.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from rewardsmith.agents.analyzer.rule_based import RuleBasedAnalyzer
from rewardsmith.agents.prompting import (
    DEFAULT_JSON_TOKENS,
    AnswerError,
    ChatAgent,
    ask_json,
    data_block,
    one_line,
    render,
)
from rewardsmith.agents.types import Analysis, Candidate, EvidenceValue, Finding
from rewardsmith.gate.evidence import PoolEvidence
from rewardsmith.gate.exploits import Exploit
from rewardsmith.llm.base import BudgetExhaustedError, ChatModel, LLMCallError
from rewardsmith.rewards.rubric import Rubric, RubricCheckResult
from rewardsmith.tasks.spec import TaskSpec
from rewardsmith.training import TrainingResult

#: What the model may say the policy exploits, and what each is in the exploit vocabulary.
BEHAVIOUR_EXPLOITS: dict[str, tuple[Exploit, ...]] = {
    "idling": ("per_step",),
    "back_and_forth": ("progress",),
    "ending_early": ("ending",),
    "other": (),
}


class SuspectedHacking(BaseModel):
    message: str = Field(max_length=2000)
    evidence: str = Field(max_length=2000)
    behaviour: Literal["idling", "back_and_forth", "ending_early", "other"] = Field(
        default="other",
        description="What the policy does for its reward: idles or loiters, moves back and forth or in "
        "circles, ends episodes early, or something else.",
    )


class AnalysisAnswer(BaseModel):
    """The structured form of the analyzer's answer."""

    causes: list[str] = Field(default_factory=list, max_length=10)
    suggestions: list[str] = Field(default_factory=list, max_length=10)
    suspected_hacking: SuspectedHacking | None = None


class LLMAnalyzer(ChatAgent):
    """Analyses a trained candidate with the rule-based analyzer and a chat model."""

    def __init__(self, chat: ChatModel, *, max_tokens: int = DEFAULT_JSON_TOKENS) -> None:
        super().__init__(chat, max_tokens=max_tokens)
        self._rules = RuleBasedAnalyzer()

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
    ) -> Analysis:
        analysis = self._rules.analyze(
            candidate, result, run_dir, rubric, task=task, rubric_results=rubric_results, pool=pool
        )
        digests = [d for d in (analysis.best_episode, analysis.worst_episode) if d is not None]
        facts = "\n\n".join(
            [
                analysis.reflection,
                "Episode digests:",
                *(d.model_dump_json() for d in digests),
                "Rule-based findings:",
                *(f"- [{f.severity}] {f.kind}: {f.message} {f.evidence_text()}".rstrip() for f in analysis.findings),
            ]
        )
        user = render(
            "analyzer_user",
            spec_block=data_block("specification", rubric.render()),
            code_block=data_block("candidate_code", candidate.code),
            analysis_block=data_block("training_statistics", facts),
        )
        try:
            answer = ask_json(self.chat, render("analyzer_system"), user, AnalysisAnswer, max_tokens=self.max_tokens)
        except (LLMCallError, AnswerError, BudgetExhaustedError) as error:
            return unusable(analysis, error)
        hacking = answer.suspected_hacking
        flagged = None
        if hacking is not None and hacking.evidence.strip():
            exploits = BEHAVIOUR_EXPLOITS[hacking.behaviour]
            flagged = suspected_hacking(hacking.message, hacking.evidence, exploits=exploits)
        return amended(analysis, self.name, answer.causes, answer.suggestions, flagged)


def suspected_hacking(
    message: str, evidence: str, *, exploits: tuple[Exploit, ...] = (), **named: EvidenceValue
) -> Finding:
    """The model's flag of reward hacking, as a finding: it counts only with the evidence text it quotes."""
    return Finding(
        kind="llm_suspected_hacking",
        severity="hacking",
        message=message,
        evidence={"model_evidence": evidence.strip(), **named},
        exploits=exploits,
    )


def unusable(analysis: Analysis, error: Exception) -> Analysis:
    """The rule-based ``analysis`` alone, its reflection saying in one line why the model's could not be used."""
    note = f"\n\n(The model's analysis could not be used: {one_line(error)}.)"
    return analysis.model_copy(update={"reflection": analysis.reflection + note})


def amended(
    analysis: Analysis, model: str, causes: list[str], suggestions: list[str], hacking: Finding | None
) -> Analysis:
    """The rule-based ``analysis`` with the model's failure causes, suggestions and evidenced hacking flag added:
    its own findings all stay, and the reflection quotes the model under its name."""
    findings = list(analysis.findings)
    findings += [Finding(kind="llm_failure_cause", severity="info", message=cause) for cause in causes]
    if hacking is not None:
        findings.append(hacking)
    lines = [analysis.reflection, "", f"The model's analysis ({model}):"]
    lines += [f"- cause: {cause}" for cause in causes]
    lines += [f"- suggestion: {suggestion}" for suggestion in suggestions]
    if hacking is not None:
        lines.append(f"- suspected hacking: {hacking.message} (evidence: {hacking.evidence['model_evidence']})")
    return analysis.model_copy(
        update={
            "findings": findings,
            "suggestions": [*analysis.suggestions, *suggestions],
            "hacking_suspected": any(f.severity == "hacking" for f in findings),
            "reflection": "\n".join(lines),
            "analyzer": f"{analysis.analyzer} + {model}",
        }
    )
