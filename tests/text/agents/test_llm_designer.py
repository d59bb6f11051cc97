"""The LLM text designer against the scripted server, through the real openai SDK."""

from __future__ import annotations

import json

from rewardsmith.agents.types import Analysis, Candidate, CriticVerdict, Feedback, Finding, Rejection
from rewardsmith.gate.exploits import TEXT_PROBE_MEANINGS, TEXT_PROBES
from rewardsmith.llm import CallLog
from rewardsmith.rewards.rubric import Criterion, Rubric
from rewardsmith.text.agents.critic import RuleBasedTextCritic
from rewardsmith.text.agents.llm_designer import LLMTextDesigner
from rewardsmith.text.agents.protocols import TextDesigner, TextDesignRequest
from rewardsmith.text.context import render_text_context
from rewardsmith.text.registry import load_text_task
from rewardsmith.text.training import TextTaskRef
from tests.agents.helpers import scripted_chat
from tests.llm.scripted_server import Reply, ScriptedServer

TASK = load_text_task("arithmetic")
GOOD = TASK.reference_reward_code
assert GOOD is not None
GOOD_ANSWER = f"The right final number pays; the form a little; nothing past the limit.\n\n```python\n{GOOD}\n```"
RUBRIC = Rubric(version=1, criteria=[Criterion(id="solves", text="the final answer is the right number", weight=1.0)])
POLICY = ["7 + 15 = 22\nAnswer: 22", "I think the answer is 40"]


def designer(llm_server: ScriptedServer, call_log: CallLog, **options: object) -> LLMTextDesigner:
    return LLMTextDesigner(scripted_chat(llm_server, call_log, "designer"), **options)  # type: ignore[arg-type]


def request(*, samples: int = 1, feedback: Feedback | None = None) -> TextDesignRequest:
    """The request the text family builds: three training prompts and the policy's completions, rendered."""
    examples = list(TASK.train[:3])
    return TextDesignRequest(
        task=TextTaskRef(name="arithmetic"),
        description=TASK.description,
        max_chars=TASK.max_chars,
        examples=examples,
        policy_completions=POLICY,
        context=render_text_context(TASK, examples, POLICY),
        rubric=RUBRIC,
        iteration=1 if feedback is None else 2,
        samples=samples,
        seed=0,
        feedback=feedback,
    )


def messages(body: dict) -> dict[str, str]:
    return {m["role"]: m["content"] for m in body["messages"]}


def test_scripted_answers_become_one_draft_per_sample(llm_server: ScriptedServer, call_log: CallLog) -> None:
    llm_server.play(Reply.answer(GOOD_ANSWER, json.dumps({"rationale": "correct number, bounded", "code": GOOD})))
    agent: TextDesigner = designer(llm_server, call_log, temperature=0.4)
    drafts = agent.design(request(samples=2))
    assert [d.failure_kind for d in drafts] == [None, None]
    assert all(d.code.strip() == GOOD.strip() and d.designer == agent.name for d in drafts)
    assert drafts[0].rationale.startswith("The right final number") and drafts[1].rationale == "correct number, bounded"
    # The drafts meet the contract the loop's text critic holds them to.
    for index, draft in enumerate(drafts):
        verdict = RuleBasedTextCritic().review(Candidate.of(draft, candidate_id=f"i01-c0{index}", iteration=1), TASK)
        assert verdict.passed, verdict.findings
    (body,) = llm_server.requests
    assert body["n"] == 2 and body["temperature"] == 0.4 and body["stream"] is True
    system = messages(body)["system"]
    assert "compute_reward(prompts, completions, answers, **columns)" in system
    assert "clip_steps" in system and "delta_steps" in system and "rewardsmith.text.steps" in system
    assert all(TEXT_PROBE_MEANINGS[probe].behaviour in system for probe in TEXT_PROBES)
    assert "torch" not in system, "the control contract's tensors are not the text contract"
    (call,) = CallLog.read(call_log.path.parent)
    assert call.agent == "designer" and call.n == 2 and call.prompt_tokens > 0


def test_a_server_error_is_a_failure_draft_for_each_sample(llm_server: ScriptedServer, call_log: CallLog) -> None:
    llm_server.play(*[Reply.http_status(500, retry_after=0.001) for _ in range(3)])
    drafts = designer(llm_server, call_log).design(request(samples=2))
    assert [d.failure_kind for d in drafts] == ["llm_server_error"] * 2
    assert all(d.failure and "\n" not in d.failure for d in drafts)
    assert [c.error_kind for c in CallLog.read(call_log.path.parent)] == ["server_error"]


def test_an_answer_that_breaks_the_text_contract_is_sent_back_once(
    llm_server: ScriptedServer, call_log: CallLog
) -> None:
    wrong = "```python\ndef compute_reward(completions):\n    return [0.0] * len(completions), {}\n```"
    llm_server.play(Reply.answer(wrong), Reply.answer(GOOD_ANSWER))
    (draft,) = designer(llm_server, call_log).design(request())
    assert draft.code.strip() == GOOD.strip()
    _, retry = llm_server.requests
    assert [m["role"] for m in retry["messages"]] == ["system", "user", "assistant", "user"]
    assert "prompts, completions, answers" in retry["messages"][3]["content"]


def test_the_user_message_quotes_context_rubric_feedback_and_never_the_held_out_prompts(
    llm_server: ScriptedServer, call_log: CallLog
) -> None:
    best = Candidate(id="i01-c00", iteration=1, code=GOOD, designer="m")
    finding = Finding(
        kind="length_growth",
        severity="hacking",
        message="completions grew towards the limit while fitness stayed flat",
        evidence={"first_length": 80.0, "last_length": 390.0},
    )
    analysis = Analysis(
        candidate_id="i01-c00",
        fitness=0.25,
        components=[],
        total_fitness_correlation=None,
        best_episode=None,
        worst_episode=None,
        findings=[finding],
        reflection="the correct term rose, then length took over",
        analyzer="rule-based",
    )
    rejection = Rejection(
        candidate_id="i01-c01",
        stage="gate",
        kind="gate_probe",
        reason="the gate's padded probe was paid as much as a correct completion",
        text_probes=["padded", "many_guesses"],
    )
    feedback = Feedback(
        best=best, best_fitness=0.25, analysis=analysis, rejected=[rejection], human="keep the answer line strict"
    )
    llm_server.play(Reply.answer(GOOD_ANSWER))
    designer(llm_server, call_log).design(request(feedback=feedback))
    user = messages(llm_server.requests[0])["user"]
    # The context as the family renders it: the description, training prompts and the policy's completions.
    assert "<<<DATA task_context>>>" in user and TASK.description in user
    assert TASK.train[0].prompt[:80] in user and "> I think the answer is 40" in user
    assert "columns: max_chars." in user
    assert "<<<DATA specification>>>" in user and "the final answer is the right number" in user
    assert "fitness 0.25" in user and "<<<DATA best_candidate_code>>>" in user
    assert "the correct term rose" in user
    assert "[hacking] length_growth: completions grew" in user and "last_length=390" in user
    rejections = user[user.index("<<<DATA rejections>>>") : user.index("<<<END DATA rejections>>>")]
    assert "i01-c01" in rejections and "gate_probe" in rejections
    assert TEXT_PROBE_MEANINGS["padded"].behaviour in rejections
    assert TEXT_PROBE_MEANINGS["many_guesses"].pays_for in rejections
    assert "keep the answer line strict" in user
    sent = json.dumps(llm_server.requests[0])
    assert not [e.prompt for e in TASK.held_out if e.prompt in sent or json.dumps(e.prompt)[1:-1] in sent]


def test_repair_sends_the_critics_findings_in_a_fresh_conversation(
    llm_server: ScriptedServer, call_log: CallLog
) -> None:
    code = "import os\n\ndef compute_reward(prompts, completions, answers, **columns):\n    return [0.0], {}\n"
    bad = Candidate(id="i01-c00", iteration=1, code=code, designer="m")
    verdict = RuleBasedTextCritic().review(bad, TASK)
    assert not verdict.passed
    llm_server.play(Reply.answer(GOOD_ANSWER))
    repaired = designer(llm_server, call_log).repair(bad, verdict, request())
    assert repaired is not None and repaired.parent_id == "i01-c00" and repaired.code.strip() == GOOD.strip()
    (body,) = llm_server.requests
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    user = messages(body)["user"]
    assert "<<<DATA rejected_code>>>" in user and "import os" in user
    assert all(finding.message in user for finding in verdict.findings)
    assert isinstance(verdict, CriticVerdict) and verdict.findings[0].rule in user
