"""The LLM text analyzer against the scripted server, through the real openai SDK, on learning curves written by
hand: the text detectors' findings stay as they are, and the model adds causes, suggestions and an evidenced flag
in the vocabulary of rewardsmith.gate.exploits."""

from __future__ import annotations

import json

import pytest

from rewardsmith.llm import CallLog
from rewardsmith.text.agents.analyzer import RuleBasedTextAnalyzer
from rewardsmith.text.agents.genome import TextGenome
from rewardsmith.text.agents.llm_analyzer import LLMTextAnalyzer
from rewardsmith.text.agents.mutation import react
from rewardsmith.text.agents.protocols import TextAnalyzer
from rewardsmith.text.agents.spec import TEXT_EXPLOITS, RuleBasedTextSpecCorrector
from tests.agents.helpers import scripted_chat
from tests.llm.scripted_server import Reply, ScriptedServer
from tests.text.agents.test_analyzer import CANDIDATE, HACKED, HONEST, RUBRIC, TASK

RULES = RuleBasedTextAnalyzer()


def analyzer(server: ScriptedServer, log: CallLog) -> TextAnalyzer:
    return LLMTextAnalyzer(scripted_chat(server, log, "analyzer"))


def test_the_detectors_findings_stay_and_the_model_adds_its_diagnosis(
    llm_server: ScriptedServer, call_log: CallLog
) -> None:
    answer = {
        "causes": ["the steps component pays every line, so repeating a line pays"],
        "suggestions": ["pass the step rewards through clip_steps"],
        "suspected_hacking": {
            "message": "the policy repeats one step",
            "evidence": "repeated n-grams 0.05 -> 0.65 while fitness 0.2 -> 0.19",
            "behaviour": "repetition",
        },
    }
    llm_server.play(Reply.answer(json.dumps(answer)))
    analysis = analyzer(llm_server, call_log).analyze(CANDIDATE, HACKED, RUBRIC, TASK)
    rules = RULES.analyze(CANDIDATE, HACKED, RUBRIC, TASK)
    assert analysis.findings[: len(rules.findings)] == rules.findings
    added = analysis.findings[len(rules.findings) :]
    assert [(f.kind, f.severity) for f in added] == [
        ("llm_failure_cause", "info"),
        ("llm_suspected_hacking", "hacking"),
    ]
    assert added[1].evidence["behaviour"] == "repetition"
    assert analysis.hacking_suspected and "pass the step rewards through clip_steps" in analysis.suggestions
    assert analysis.analyzer.startswith("rule-based + ") and rules.reflection in analysis.reflection
    (body,) = llm_server.requests
    system, user = (m["content"] for m in body["messages"])
    assert all(f"- {kind}:" in system for kind in TEXT_EXPLOITS)
    assert "<<<DATA training_statistics>>>" in user and "Share of repeated word n-grams" in user
    (call,) = CallLog.read(call_log.path.parent)
    assert call.agent == "analyzer"


def test_a_models_flag_names_its_exploit_for_the_spec_corrector_and_the_designer(
    llm_server: ScriptedServer, call_log: CallLog
) -> None:
    # On an honest curve the detectors see nothing; a flag with evidence still counts, under its own kind, and the
    # rule-based corrector and designer answer the behaviour it says was paid as they answer a detector's finding.
    flag = {"message": "it repeats a step", "evidence": "samples repeat 'add 3 then'", "behaviour": "repetition"}
    llm_server.play(Reply.answer(json.dumps({"suspected_hacking": flag})))
    analysis = analyzer(llm_server, call_log).analyze(CANDIDATE, HONEST, RUBRIC, TASK)
    assert [f.kind for f in analysis.findings if f.severity == "hacking"] == ["llm_suspected_hacking"]
    revised = RuleBasedTextSpecCorrector().correct(RUBRIC, analysis, CANDIDATE)
    assert revised is not None and revised.criteria[-1].id == "no_exploit_repetition"
    assert TEXT_EXPLOITS["repetition"].instead in revised.criteria[-1].text
    genome = TextGenome()
    answered, notes = react(genome, findings=analysis.findings)
    assert notes == ["finding 'repetition': a larger repetition penalty"]
    assert answered.repetition > genome.repetition


@pytest.mark.parametrize(
    "reply",
    [
        # A behaviour outside the vocabulary: the model may not invent a kind of exploit.
        json.dumps({"suspected_hacking": {"message": "m", "evidence": "e", "behaviour": "verbosity_farming"}}),
        "The reward is probably fine.",
    ],
    ids=["invented_kind", "prose"],
)
def test_a_garbage_answer_leaves_the_rule_based_analysis(
    llm_server: ScriptedServer, call_log: CallLog, reply: str
) -> None:
    llm_server.play(Reply.answer(reply))
    analysis = analyzer(llm_server, call_log).analyze(CANDIDATE, HACKED, RUBRIC, TASK)
    rules = RULES.analyze(CANDIDATE, HACKED, RUBRIC, TASK)
    assert analysis.findings == rules.findings and analysis.analyzer == "rule-based"
    note = analysis.reflection.removeprefix(rules.reflection)
    assert note.startswith("\n\n(The model's analysis could not be used: ") and note.count("\n") == 2


def test_a_flag_without_evidence_does_not_count(llm_server: ScriptedServer, call_log: CallLog) -> None:
    flag = {"message": "maybe hacking", "evidence": "  ", "behaviour": "length_growth"}
    llm_server.play(Reply.answer(json.dumps({"causes": ["slow learning"], "suspected_hacking": flag})))
    analysis = analyzer(llm_server, call_log).analyze(CANDIDATE, HONEST, RUBRIC, TASK)
    assert not analysis.hacking_suspected and "llm_suspected_hacking" not in [f.kind for f in analysis.findings]
