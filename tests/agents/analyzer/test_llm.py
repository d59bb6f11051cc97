"""The LLM analyzer against the scripted server, on a real tiny cartpole training run."""

from __future__ import annotations

import json

from rewardsmith.agents.analyzer.llm import LLMAnalyzer
from rewardsmith.llm import CallLog
from rewardsmith.tasks import load_task
from tests.agents.helpers import scripted_chat
from tests.llm.scripted_server import Reply, ScriptedServer

CARTPOLE = load_task("cartpole")


def analyze(server: ScriptedServer, log: CallLog, run):
    agent = LLMAnalyzer(scripted_chat(server, log, "analyzer"))
    return agent.analyze(run.candidate, run.result, run.run_dir, run.rubric, task=CARTPOLE.spec)


def test_hacking_flag_with_evidence_is_a_finding_and_rule_findings_stay(
    llm_server: ScriptedServer, call_log: CallLog, cartpole_run
) -> None:
    answer = {
        "causes": ["the upright term saturates early"],
        "suggestions": ["add a success bonus"],
        "suspected_hacking": {"message": "it idles", "evidence": "return rises while fitness falls: 0.9 -> 0.2"},
    }
    llm_server.play(Reply.answer(json.dumps(answer)))
    analysis = analyze(llm_server, call_log, cartpole_run)
    kinds = [f.kind for f in analysis.findings]
    assert "llm_suspected_hacking" in kinds and "llm_failure_cause" in kinds
    assert analysis.hacking_suspected
    assert "add a success bonus" in analysis.suggestions
    assert "training_statistics" in llm_server.requests[0]["messages"][1]["content"]


def test_a_flag_without_evidence_does_not_count(llm_server: ScriptedServer, call_log: CallLog, cartpole_run) -> None:
    answer = {"causes": [], "suggestions": [], "suspected_hacking": {"message": "maybe hacking", "evidence": " "}}
    llm_server.play(Reply.answer(json.dumps(answer)))
    analysis = analyze(llm_server, call_log, cartpole_run)
    assert "llm_suspected_hacking" not in [f.kind for f in analysis.findings]


def test_a_failed_call_keeps_the_rule_based_analysis(
    llm_server: ScriptedServer, call_log: CallLog, cartpole_run
) -> None:
    llm_server.play(*[Reply.http_status(503, retry_after=0.001)] * 3)
    analysis = analyze(llm_server, call_log, cartpole_run)
    assert analysis.analyzer == "rule-based"
    assert "could not be used" in analysis.reflection
