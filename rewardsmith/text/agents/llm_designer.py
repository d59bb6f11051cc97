"""The LLM text designer: verifier code for a text task from any chat model.

It is the control LLM designer's round (:class:`~rewardsmith.agents.designer.llm.ModelDesigner`: K samples
in one request, one retry with the typed error, call failures as drafts with ``failure_kind``) on the text
family's terms: the text reward contract and the gate's probes in its system prompt
(``rewardsmith/text/prompts/designer_system.md``), the rule-based text critic as the contract an answer must
meet, and feedback that quotes the analysis's typed findings and each probe that won at the gate. What it
reads is the request's rendered context (description, training prompts, the policy's completions), the
rubric and the feedback: never the trusted checker or the held-out prompts, which the request does not hold.
"""

from __future__ import annotations

from functools import lru_cache

from rewardsmith.agents.designer.llm import ModelDesigner
from rewardsmith.agents.prompting import data_block, render_in
from rewardsmith.agents.types import Analysis, Candidate, CriticVerdict, Rejection
from rewardsmith.gate.exploits import TEXT_PROBE_MEANINGS
from rewardsmith.text.agents.critic import RuleBasedTextCritic, summary
from rewardsmith.text.agents.prompting import TEXT_PROMPTS, probe_lines
from rewardsmith.text.agents.protocols import TextDesignRequest
from rewardsmith.text.task import TextTask
from rewardsmith.text.training import TextTaskRef


class LLMTextDesigner(ModelDesigner[TextDesignRequest]):
    """Writes text reward candidates (verifier code in the text contract) with a chat model.

    Args:
        chat: The model (a recording one in a run, so every call lands in llm_calls.jsonl).
        temperature: Sampling temperature of the K samples.
        max_tokens: Completion tokens per sample.
        stream: Receive answers as server-sent events.
    """

    def _system(self) -> str:
        return render_in(TEXT_PROMPTS, "designer_system", critic=summary(), probes=probe_lines())

    def _review(self, candidate: Candidate, request: TextDesignRequest) -> CriticVerdict:
        return RuleBasedTextCritic().review(candidate, _task(request.task))

    def _analysis_blocks(self, analysis: Analysis) -> list[str]:
        blocks = [data_block("analysis", analysis.reflection or "(no reflection)")]
        if analysis.findings:
            lines = "\n".join(
                f"- [{finding.severity}] {finding.kind}: {finding.message}"
                + (f" ({finding.evidence_text()})" if finding.evidence else "")
                for finding in analysis.findings
            )
            blocks.append(data_block("findings", lines))
        return blocks

    def _rejection_line(self, rejection: Rejection) -> str:
        line = f"- {rejection.candidate_id}, stopped at {rejection.stage} ({rejection.kind}): {rejection.reason}"
        if not rejection.text_probes:
            return line
        won = "; ".join(
            f"{probe} ({TEXT_PROBE_MEANINGS[probe].behaviour}: it pays for {TEXT_PROBE_MEANINGS[probe].pays_for})"
            for probe in rejection.text_probes
        )
        return f"{line}\n  Probes it paid as much as a correct completion: {won}"


@lru_cache(maxsize=8)
def _task(ref: TextTaskRef) -> TextTask:
    """The task the critic checks column names against, generated once per reference (it takes milliseconds)."""
    return ref.load()
