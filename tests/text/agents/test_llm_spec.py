"""The LLM text spec writer and Specification Self-Corrector against the scripted server, through the real openai
SDK: rubric v1 from the task, v(n+1) naming every exploit of the analysis, the rule-based version for garbage."""

from __future__ import annotations

import json

from rewardsmith.agents.types import Analysis, Candidate, Finding
from rewardsmith.llm import CallLog
from rewardsmith.text.agents.llm_spec import LLMTextSpecCorrector, LLMTextSpecWriter
from rewardsmith.text.agents.protocols import SpecCorrector, TextSpecWriter
from rewardsmith.text.agents.spec import RuleBasedTextSpecCorrector, RuleBasedTextSpecWriter
from rewardsmith.text.registry import load_text_task
from tests.agents.helpers import scripted_chat
from tests.llm.scripted_server import Reply, ScriptedServer

TASK = load_text_task("arithmetic")
RUBRIC = RuleBasedTextSpecWriter().initial(TASK)
CANDIDATE = Candidate(id="i01-c00", iteration=1, code="def compute_reward(p, c, a):\n    ...\n", designer="m")


def finding(kind: str, probe: str) -> Finding:
    return Finding(kind=kind, severity="hacking", message=f"the {probe} probe won", evidence={"probe": probe})


#: The gate's verdict on a reward that paid padding and a list of guesses, as the spec corrector reads it.
GATE = Analysis(
    candidate_id="i01-c00",
    fitness=0.0,
    components=[],
    total_fitness_correlation=None,
    best_episode=None,
    worst_episode=None,
    findings=[finding("length_growth", "padded"), finding("guessing", "many_guesses")],
    hacking_suspected=True,
    reflection="The gate rejected this reward before training.",
    analyzer="gate",
)


def criterion(identifier: str, text: str, weight: float = 1.0, check: str | None = None) -> dict[str, object]:
    return {"id": identifier, "text": text, "weight": weight, "check": check, "pass_fraction": None}


def test_the_writer_writes_v1_from_the_task_and_drops_a_machine_check(
    llm_server: ScriptedServer, call_log: CallLog
) -> None:
    answer = {
        "reason": "a correct final number, in the answer line, within the limit",
        "criteria": [
            criterion("correct_number", "the final number equals the reference answer", 3.0),
            criterion("answer_line", "the answer stands on a line 'Answer: N'", 1.0, check="mean(length) > 0"),
            criterion("Bad Id!", "", -1.0),
        ],
    }
    llm_server.play(Reply.answer(json.dumps(answer)))
    writer: TextSpecWriter = LLMTextSpecWriter(scripted_chat(llm_server, call_log, "spec"))
    rubric = writer.initial(TASK)
    assert (rubric.version, rubric.parent_version, rubric.author) == (1, None, writer.name)  # type: ignore[attr-defined]
    assert [c.id for c in rubric.criteria] == ["correct_number", "answer_line"]
    assert all(c.check is None for c in rubric.criteria)
    assert any("dropped the invalid check 'mean(length) > 0' of answer_line" in line for line in rubric.diff)
    assert any(line.startswith("dropped the criterion Bad Id!") for line in rubric.diff)
    (body,) = llm_server.requests
    system, user = (m["content"] for m in body["messages"])
    assert "padded" in system and "judge_injection" in system
    assert TASK.description in user and f"{TASK.max_chars} characters" in user
    assert TASK.held_out[0].prompt not in user, "v1 is written from what the designer reads"
    (call,) = CallLog.read(call_log.path.parent)
    assert call.agent == "spec"


def test_a_garbage_v1_is_the_rule_based_one_saying_why(llm_server: ScriptedServer, call_log: CallLog) -> None:
    llm_server.play(Reply.answer(json.dumps({"reason": "r", "criteria": [criterion("", "", 0.0)]})))
    rubric = LLMTextSpecWriter(scripted_chat(llm_server, call_log, "spec")).initial(TASK)
    assert rubric.criteria == RUBRIC.criteria and rubric.author == RUBRIC.author
    (note,) = rubric.diff
    why = "no usable criterion in the model's answer"
    assert note == f"rule-based specification: the model's answer was unusable ({why})"
    assert note in rubric.reason and "\n" not in rubric.reason


def test_the_corrector_keeps_the_exploits_the_model_named_and_adds_the_one_it_left_out(
    llm_server: ScriptedServer, call_log: CallLog
) -> None:
    kept = [criterion(c.id, c.text, c.weight) for c in RUBRIC.criteria]
    answer = {
        "critique": "it pays every character of working shown",
        "reason": "padding must not pay",
        "criteria": [*kept, criterion("no_exploit_length_growth", "pay nothing for characters past the answer", 3.0)],
    }
    llm_server.play(Reply.answer(json.dumps(answer)))
    corrector: SpecCorrector = LLMTextSpecCorrector(scripted_chat(llm_server, call_log, "spec"))
    revised = corrector.correct(RUBRIC, GATE, CANDIDATE)
    assert revised is not None and (revised.version, revised.parent_version) == (2, 1)
    by_id = {c.id: c for c in revised.criteria}
    assert by_id["no_exploit_length_growth"].text == "pay nothing for characters past the answer"
    # What the model left out gets the rule-based wording.
    assert "Pay only a single final answer" in by_id["no_exploit_guessing"].text
    assert revised.reason.startswith("padding must not pay (critique: it pays every character")
    assert "+ no_exploit_length_growth: pay nothing for characters past the answer" in revised.diff
    assert revised.diff[-1].startswith("added no_exploit_guessing") and "did not name it" in revised.diff[-1]
    (body,) = llm_server.requests
    system, user = (m["content"] for m in body["messages"])
    assert "no_exploit_<kind>" in system and "- guessing:" in system
    assert "length_growth: the padded probe won" in user


def test_a_garbage_revision_is_the_rule_based_one_saying_why(llm_server: ScriptedServer, call_log: CallLog) -> None:
    llm_server.play(Reply.answer("I would add a criterion about padding."))
    revised = LLMTextSpecCorrector(scripted_chat(llm_server, call_log, "spec")).correct(RUBRIC, GATE, CANDIDATE)
    expected = RuleBasedTextSpecCorrector().correct(RUBRIC, GATE, CANDIDATE)
    assert revised is not None and expected is not None
    assert revised.criteria == expected.criteria and revised.author == expected.author
    why = "the answer holds no JSON object"
    assert revised.diff[-1] == f"rule-based correction: the model's answer was unusable ({why})"
