"""The LLM text critic against the scripted server, through the real openai SDK: the rule-based text rules
first, then the model's checklist."""

from __future__ import annotations

import json

from rewardsmith.agents.types import Candidate
from rewardsmith.gate.exploits import TEXT_PROBE_MEANINGS, TEXT_PROBES
from rewardsmith.llm import CallLog
from rewardsmith.text.agents.llm_critic import LLMTextCritic
from rewardsmith.text.agents.protocols import TextCritic
from rewardsmith.text.registry import load_text_task
from tests.agents.helpers import scripted_chat
from tests.llm.scripted_server import Reply, ScriptedServer

TASK = load_text_task("arithmetic")
GOOD = TASK.reference_reward_code
assert GOOD is not None
SPEC = "Specification v1: the final number is right"


def critic(server: ScriptedServer, log: CallLog) -> LLMTextCritic:
    return LLMTextCritic(scripted_chat(server, log, "critic"), lambda: SPEC)


def candidate(code: str) -> Candidate:
    return Candidate(id="i01-c00", iteration=1, code=code, designer="m")


def test_the_text_rules_refuse_a_forbidden_import_whatever_the_model_would_say(
    llm_server: ScriptedServer, call_log: CallLog
) -> None:
    llm_server.play(Reply.answer(json.dumps({"passed": True, "findings": []})))
    smuggler = GOOD.replace("import re", "import os\nimport re", 1)
    assert smuggler != GOOD
    verdict = critic(llm_server, call_log).review(candidate(smuggler), TASK)
    assert not verdict.passed and any(f.rule == "forbidden_import" for f in verdict.findings)
    assert verdict.critic == "rule-based", "the model was not asked, so the verdict is the rules' alone"
    assert llm_server.requests == [] and CallLog.read(call_log.path.parent) == []


def test_the_checklist_adds_an_error_with_its_fix(llm_server: ScriptedServer, call_log: CallLog) -> None:
    answer = {
        "passed": False,
        "findings": [
            {
                "rule": "checklist_3_many_guesses",
                "severity": "error",
                "message": "a list of numbers with the answer among them is paid; read only the last number",
                "line": 4,
            }
        ],
    }
    llm_server.play(Reply.answer(json.dumps(answer)))
    agent: TextCritic = critic(llm_server, call_log)
    verdict = agent.review(candidate(GOOD), TASK)
    assert not verdict.passed and verdict.critic == "rule-based + openai-compatible:scripted@" + llm_server.url
    assert [f.rule for f in verdict.findings if f.severity == "error"] == ["llm_checklist_3_many_guesses"]
    (body,) = llm_server.requests
    system, user = (m["content"] for m in body["messages"])
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["passed", "findings"]
    assert all(TEXT_PROBE_MEANINGS[probe].behaviour in system for probe in TEXT_PROBES)
    assert "clip_steps" in system and "torch" not in system, "the text contract, not the control one"
    assert "<<<DATA candidate_code>>>" in user and SPEC in user and TASK.description in user
    assert TASK.held_out[0].prompt not in user, "the review reads what the designer reads, never the held-out split"
    (call,) = CallLog.read(call_log.path.parent)
    assert call.agent == "critic" and call.error_kind is None


def test_a_garbage_review_leaves_the_rules_verdict_with_a_one_line_warning(
    llm_server: ScriptedServer, call_log: CallLog
) -> None:
    llm_server.play(Reply.answer("Looks fine to me!\nShip it."))
    verdict = critic(llm_server, call_log).review(candidate(GOOD), TASK)
    assert verdict.passed
    (skipped,) = [f for f in verdict.findings if f.rule == "llm_review_skipped"]
    assert skipped.severity == "warning" and "\n" not in skipped.message and "no JSON object" in skipped.message
