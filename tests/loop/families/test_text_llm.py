"""A text task designed by a model: the designer on the scripted llm_server through the real openai SDK, the text
family's critic, analyzer and spec agents rule-based, the calls in the run's llm_calls.jsonl.

The run's only candidate pays padding, so the text gate stops it and nothing trains (no best, no final
evaluation): the test is about the designer's wiring, and tests/loop/test_design_text.py trains.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith import design, resume
from rewardsmith.config import DesignConfig
from rewardsmith.llm import CallLog, CallRecord
from rewardsmith.loop.families.base import FamilyConfigError
from rewardsmith.loop.families.text import TEXT_GATE, TextFamily
from rewardsmith.loop.record import CRITIC, VERIFY, RunRecord
from rewardsmith.text.agents.critic import RuleBasedTextCritic
from rewardsmith.text.agents.llm_designer import LLMTextDesigner
from tests.cli.test_app import assert_one_line_error, rewardsmith
from tests.llm.scripted_server import Reply, ScriptedServer
from tests.loop.test_design_text import HACKS, TEXT_SMALL
from tests.text.agents.test_llm_designer import GOOD_ANSWER, request

#: A model the refusals name: nothing listens there, and nothing may be asked before the refusal.
NO_SERVER = "openai-compatible:M@http://127.0.0.1:9/v1"
PADDING = (HACKS / "length_hack.py").read_text()
PADDING_ANSWER = f"The right number, and credit for showing the working.\n\n```python\n{PADDING}\n```"


def test_a_model_designs_the_text_reward_and_the_gate_stops_what_it_wrote(
    llm_server: ScriptedServer, tmp_path: Path
) -> None:
    llm = f"openai-compatible:M@{llm_server.url}"
    llm_server.play(Reply.answer(PADDING_ANSWER))
    result = design(
        "arithmetic", out=tmp_path, llm=llm, temperature=0.3, max_tokens=900, **{**TEXT_SMALL, "samples": 1}
    )
    record = RunRecord.open(result.run_dir)
    (status,) = record.statuses()
    assert status.designer == llm and record.candidate(status.id).code.strip() == PADDING.strip()
    assert result.designer == llm
    # The rule-based text critic passed it (no model was asked), and the text gate caught the padding.
    critic = record.read(status.id, CRITIC)
    assert critic is not None and critic.passed and critic.critic == RuleBasedTextCritic.name
    assert (status.stage, status.stopped_at, status.reason_kind) == ("rejected", "gate", "gate_probe")
    gate, verified = record.read(status.id, TEXT_GATE), record.read(status.id, VERIFY)
    assert gate is not None and "padded" in gate.winners
    assert verified is not None and verified.backend == TEXT_SMALL["sandbox"]
    assert result.best_candidate_id is None
    (call,) = CallLog.read(result.run_dir)
    assert (call.agent, call.error_kind, call.n) == ("designer", None, 1) and call.completion_tokens > 0
    (body,) = llm_server.requests
    assert (body.get("n", 1), body["temperature"], body["max_tokens"]) == (1, 0.3, 900)
    assert "compute_reward(prompts, completions, answers, **columns)" in body["messages"][0]["content"]
    # A resumed run builds the designer's model again from its config; a finished one asks it nothing.
    assert resume(result.run_dir).best_candidate_id is None
    assert len(llm_server.requests) == 1


def test_agents_build_the_designer_from_the_config_and_share_the_runs_budget(
    llm_server: ScriptedServer, tmp_path: Path
) -> None:
    config = DesignConfig(
        task="arithmetic", designer_llm=f"openai-compatible:M@{llm_server.url}", budget_tokens=100_000
    )
    family = TextFamily.open("arithmetic")
    assert family is not None
    heard: list[CallRecord] = []
    agents = family.agents(config, tmp_path, lambda: "", models=None, on_call=heard.append)
    assert isinstance(family.text_agents.designer, LLMTextDesigner)
    assert isinstance(family.text_agents.critic, RuleBasedTextCritic)
    llm_server.play(Reply.answer(GOOD_ANSWER))
    (draft,) = family.text_agents.designer.design(request())
    assert draft.failure_kind is None and draft.designer == config.designer_llm
    (call,) = CallLog.read(tmp_path)
    assert heard == [call] and agents.budget is not None
    assert agents.budget.spent == call.prompt_tokens + call.completion_tokens > 0
    # A resumed run has spent what its record holds: with a budget no larger, the designer asks nothing more.
    spent = config.model_copy(update={"budget_tokens": agents.budget.spent})
    resumed = TextFamily(family.ref)
    again = resumed.agents(spent, tmp_path, lambda: "", models=None, on_call=None)
    assert again.budget is not None and again.budget.exhausted
    assert [d.failure_kind for d in resumed.text_agents.designer.design(request(samples=2))] == ["budget_exhausted"] * 2
    assert len(llm_server.requests) == 1


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"critic_llm": NO_SERVER}, "drop --critic-llm"),
        ({"llm": NO_SERVER, "spec_llm": "openai:gpt-4o-mini"}, "drop --spec-llm"),
        ({"llm": NO_SERVER, "designer_llm": "openai:gpt-4o-mini"}, "alone"),
    ],
)
def test_a_model_for_another_text_agent_is_refused_before_any_run(
    tmp_path: Path, settings: dict[str, str], fragment: str
) -> None:
    with pytest.raises(FamilyConfigError, match=fragment) as refused:
        design("arithmetic", out=tmp_path, **settings, **TEXT_SMALL)
    assert "\n" not in str(refused.value) and "rule-based" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_the_cli_refuses_a_critic_model_on_a_text_task_in_one_line(tmp_path: Path) -> None:
    done = rewardsmith("design", "arithmetic", "--out", str(tmp_path), "--critic-llm", NO_SERVER)
    assert_one_line_error(done, "critic, analyzer and spec agents are rule-based", "drop --critic-llm")
    assert list(tmp_path.iterdir()) == []
