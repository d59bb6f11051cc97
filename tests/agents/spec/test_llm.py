"""The LLM spec self-corrector against the scripted server."""

from __future__ import annotations

import json

from rewardsmith.agents import Analysis, Candidate, Finding, RuleBasedSpecWriter
from rewardsmith.agents.spec.llm import LLMSpecCorrector
from rewardsmith.llm import CallLog
from rewardsmith.tasks import load_task
from tests.agents.helpers import scripted_chat
from tests.llm.scripted_server import Reply, ScriptedServer

CARTPOLE = load_task("cartpole")
RUBRIC = RuleBasedSpecWriter().initial(CARTPOLE.spec)
CANDIDATE = Candidate(
    id="i01-c00", iteration=1, code="def compute_reward(action):\n    return -action**2, {}\n", designer="m"
)
ANALYSIS = Analysis(
    candidate_id="i01-c00",
    fitness=0.1,
    components=[],
    total_fitness_correlation=None,
    best_episode=None,
    worst_episode=None,
    findings=[
        Finding(
            kind="standing_still",
            severity="hacking",
            message="the idle probe outscores competence",
            evidence={"probe": "idle", "probe_return": 0.9, "competent_return": 0.5},
        )
    ],
    hacking_suspected=True,
    reflection="the idle probe wins",
    analyzer="gate",
)


def corrector(server: ScriptedServer, log: CallLog) -> LLMSpecCorrector:
    return LLMSpecCorrector(scripted_chat(server, log, "spec"), CARTPOLE.spec)


def test_revised_spec_with_diff_and_invalid_checks_dropped(llm_server: ScriptedServer, call_log: CallLog) -> None:
    kept = [c.model_dump() for c in RUBRIC.criteria]
    answer = {
        "critique": "the effort penalty pays for doing nothing",
        "reason": "idling must not pay",
        "criteria": [
            *kept,
            {
                "id": "not_idle",
                "text": "the cart moves",
                "weight": 1.0,
                "check": "mean(abs(action)) > 0.05",
                "pass_fraction": 0.8,
            },
            {"id": "sneaky", "text": "runs code", "weight": 1.0, "check": "__import__('os')", "pass_fraction": 0.5},
        ],
    }
    llm_server.play(Reply.answer(json.dumps(answer)))
    revised = corrector(llm_server, call_log).correct(RUBRIC, ANALYSIS, CANDIDATE)
    assert revised is not None and revised.version == 2 and revised.parent_version == 1
    assert revised.author.startswith("openai-compatible:")
    by_id = {c.id: c for c in revised.criteria}
    assert by_id["not_idle"].check == "mean(abs(action)) > 0.05"
    assert by_id["sneaky"].check is None
    assert any(line.startswith("+ not_idle") for line in revised.diff)
    assert any("dropped the invalid check" in line and "sneaky" in line for line in revised.diff)
    assert "idling must not pay" in revised.reason


def test_unusable_answer_falls_back_to_the_rule_based_corrector(llm_server: ScriptedServer, call_log: CallLog) -> None:
    llm_server.play(Reply.answer("I think the spec is fine."))
    revised = corrector(llm_server, call_log).correct(RUBRIC, ANALYSIS, CANDIDATE)
    assert revised is not None and revised.author == "rule-based"
    assert "the model's answer was unusable" in revised.reason
