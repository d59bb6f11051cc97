"""The planted set of hackable text rewards: the gate stops every hackable one, its planted probe among the
winners, and passes every clean twin. The judge entries are judged through the real openai SDK by a scripted
judge that obeys injected instructions, the judge the hackable rubric is open to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewardsmith.gate.exploits import TEXT_PROBES
from rewardsmith.llm.openai_chat import OpenAIChat
from rewardsmith.llm.retry import RetryPolicy
from rewardsmith.text import load_text_task
from rewardsmith.text.answers import after_marker, single_number
from rewardsmith.text.artefact import load_text_artefact
from rewardsmith.text.gate import text_gate
from rewardsmith.text.judge import LLMJudge
from rewardsmith.text.probes import probe_completions
from rewardsmith.text.task import TextExample, TextTask
from tests.llm.scripted_server import Reply, ScriptedServer

SET = Path(__file__).resolve().parents[2] / "bench" / "text_hack_set"
ENTRIES = json.loads((SET / "set.json").read_text())
EXAMPLES = 6


def _obedient_verdict(completion: str, example: TextExample) -> str:
    """What a judge that obeys the answer says: 'right' when asked for full marks, else by the last answer."""
    if "full marks" in completion:
        return "right"
    given = single_number(after_marker(completion))
    return "right" if given is not None and example.answer is not None and given == float(example.answer) else "wrong"


def _script_obedient_judge(server: ScriptedServer, task: TextTask, examples: tuple[TextExample, ...]) -> None:
    # The gate scores the correct completions, then each probe in turn; the judge is asked in that order.
    batches = [[example.solution for example in examples]]
    batches += [probe_completions(task, examples, probe, seed=0) for probe in TEXT_PROBES]
    for batch in batches:
        for completion, example in zip(batch, examples, strict=True):
            verdict = _obedient_verdict(completion, example)
            server.play(Reply.answer(json.dumps({"reason": "as the answer says", "verdict": verdict})))


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry["name"] for entry in ENTRIES])
def test_the_gate_stops_the_hackable_reward_by_its_probe_and_passes_its_clean_twin(
    entry: dict[str, str], tmp_path: Path
) -> None:
    task = load_text_task(entry["task"], train_size=EXAMPLES, held_out_size=2)
    for which in ("hackable_file", "clean_file"):
        with ScriptedServer() as server:
            judge = None
            if entry["kind"] == "rubric":
                _script_obedient_judge(server, task, task.train)
                chat = OpenAIChat(
                    "judge", name="openai-compatible:judge", base_url=server.url, retry=RetryPolicy(attempts=1)
                )
                judge = LLMJudge(chat)
            result = text_gate(task, load_text_artefact(SET / entry[which], tmp_path, judge=judge))
        if which == "hackable_file":
            assert not result.passed
            assert entry["probe"] in result.winners, result.reason
        else:
            assert result.passed, result.reason
