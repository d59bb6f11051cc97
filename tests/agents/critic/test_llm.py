"""The LLM critic against the scripted server: static rules first, then the model's checklist."""

from __future__ import annotations

import json

from rewardsmith.agents import Candidate
from rewardsmith.agents.context import designer_context
from rewardsmith.agents.critic.llm import LLMCritic
from rewardsmith.agents.prompting import render
from rewardsmith.llm import CallLog
from rewardsmith.tasks import load_task
from tests.agents.helpers import scripted_chat
from tests.llm.scripted_server import Reply, ScriptedServer

CARTPOLE = load_task("cartpole")
GOOD = CARTPOLE.spec.reference_reward_code


def critic(server: ScriptedServer, log: CallLog) -> LLMCritic:
    return LLMCritic(
        scripted_chat(server, log, "critic"), designer_context(CARTPOLE), lambda: "Specification v1: upright"
    )


def candidate(code: str) -> Candidate:
    return Candidate(id="i01-c00", iteration=1, code=code, designer="m")


def test_static_errors_reject_without_a_call(llm_server: ScriptedServer, call_log: CallLog) -> None:
    verdict = critic(llm_server, call_log).review(
        candidate("import os\ndef compute_reward(pole_angle):\n    os.abort()\n"), CARTPOLE.spec
    )
    assert not verdict.passed and any(f.rule == "forbidden_import" for f in verdict.findings)
    assert llm_server.requests == []


def test_the_checklist_adds_errors_with_fixes(llm_server: ScriptedServer, call_log: CallLog) -> None:
    answer = {
        "passed": False,
        "findings": [
            {"rule": "checklist_2_success_term", "severity": "error", "message": "add +1 while upright", "line": 3}
        ],
    }
    llm_server.play(Reply.answer(json.dumps(answer)))
    verdict = critic(llm_server, call_log).review(candidate(GOOD), CARTPOLE.spec)
    assert not verdict.passed
    assert [f.rule for f in verdict.findings if f.severity == "error"] == ["llm_checklist_2_success_term"]
    (body,) = llm_server.requests
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["passed", "findings"]
    user = body["messages"][1]["content"]
    assert "<<<DATA candidate_code>>>" in user and "Specification v1: upright" in user


def test_an_unusable_review_leaves_the_static_verdict(llm_server: ScriptedServer, call_log: CallLog) -> None:
    llm_server.play(Reply.answer("Looks fine to me!"))
    verdict = critic(llm_server, call_log).review(candidate(GOOD), CARTPOLE.spec)
    assert verdict.passed
    assert any(f.rule == "llm_review_skipped" and f.severity == "warning" for f in verdict.findings)


def test_the_checklist_names_the_allowed_api() -> None:
    system = render("critic_system")
    assert "torch.linalg, torch.special, torch.nn.functional" in system
    assert "torch.from_file" in system and "refused" in system
