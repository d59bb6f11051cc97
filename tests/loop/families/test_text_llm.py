"""A text task designed by models: every agent role on the scripted llm_server through the real openai SDK, the
calls in the run's llm_calls.jsonl, one token budget.

The run's only candidate pays padding, so the text gate stops it and nothing trains (no best, no final
evaluation): the test is about the agents' wiring, and tests/loop/test_design_text.py trains.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewardsmith import design, resume
from rewardsmith.agents.types import Candidate
from rewardsmith.config import DesignConfig
from rewardsmith.llm import CallLog, CallRecord
from rewardsmith.loop.families.base import FamilyConfigError
from rewardsmith.loop.families.text import TEXT_GATE, TextFamily
from rewardsmith.loop.record import CRITIC, VERIFY, RunRecord
from rewardsmith.text.agents.critic import RuleBasedTextCritic
from rewardsmith.text.agents.designer import RuleBasedTextDesigner
from rewardsmith.text.agents.llm_analyzer import LLMTextAnalyzer
from rewardsmith.text.agents.llm_critic import LLMTextCritic
from rewardsmith.text.agents.llm_designer import LLMTextDesigner
from rewardsmith.text.agents.llm_spec import LLMTextSpecCorrector, LLMTextSpecWriter
from rewardsmith.text.agents.spec import RuleBasedTextSpecWriter
from tests.llm.scripted_server import Reply, ScriptedServer
from tests.loop.test_design_text import HACKS, TEXT_SMALL
from tests.text.agents.test_llm_designer import GOOD, GOOD_ANSWER, request
from tests.text.agents.test_llm_spec import criterion

#: A model the refusals name: nothing listens there, and nothing may be asked before the refusal.
NO_SERVER = "openai-compatible:M@http://127.0.0.1:9/v1"
PADDING = (HACKS / "length_hack.py").read_text()
PADDING_ANSWER = f"The right number, and credit for showing the working.\n\n```python\n{PADDING}\n```"


def test_models_write_the_spec_design_and_review_and_the_gate_stops_what_they_let_through(
    llm_server: ScriptedServer, tmp_path: Path
) -> None:
    llm = f"openai-compatible:M@{llm_server.url}"
    spec = {"reason": "a correct number, within the limit", "criteria": [criterion("right_number", "it is right")]}
    llm_server.play(
        Reply.answer(json.dumps(spec)),
        Reply.answer(PADDING_ANSWER),
        Reply.answer(json.dumps({"passed": True, "findings": []})),
    )
    result = design(
        "arithmetic", out=tmp_path, llm=llm, temperature=0.3, max_tokens=900, **{**TEXT_SMALL, "samples": 1}
    )
    record = RunRecord.open(result.run_dir)
    v1 = record.rubric(1)
    assert (v1.author, [c.id for c in v1.criteria]) == (llm, ["right_number"])
    (status,) = record.statuses()
    assert status.designer == llm and record.candidate(status.id).code.strip() == PADDING.strip()
    assert result.designer == llm
    # The rule-based text rules and then the model passed it, and the text gate caught the padding.
    critic = record.read(status.id, CRITIC)
    assert critic is not None and critic.passed and critic.critic == f"{RuleBasedTextCritic.name} + {llm}"
    assert (status.stage, status.stopped_at, status.reason_kind) == ("rejected", "gate", "gate_probe")
    gate, verified = record.read(status.id, TEXT_GATE), record.read(status.id, VERIFY)
    assert gate is not None and "padded" in gate.winners
    assert verified is not None and verified.backend == TEXT_SMALL["sandbox"]
    assert result.best_candidate_id is None
    calls = CallLog.read(result.run_dir)
    assert [(call.agent, call.error_kind) for call in calls] == [("spec", None), ("designer", None), ("critic", None)]
    assert all(call.completion_tokens > 0 for call in calls)
    spec_body, designer_body, critic_body = llm_server.requests
    assert "A text criterion has no machine check" in spec_body["messages"][0]["content"]
    assert (designer_body.get("n", 1), designer_body["temperature"], designer_body["max_tokens"]) == (1, 0.3, 900)
    assert "compute_reward(prompts, completions, answers, **columns)" in designer_body["messages"][0]["content"]
    assert "right_number" in critic_body["messages"][1]["content"], "the critic reads the model's v1"
    # A resumed run builds the models again from its config; a finished one asks them nothing.
    assert resume(result.run_dir).best_candidate_id is None
    assert len(llm_server.requests) == 3


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


def test_agents_build_a_model_agent_for_each_role_the_config_names(llm_server: ScriptedServer, tmp_path: Path) -> None:
    llm = f"openai-compatible:M@{llm_server.url}"
    config = DesignConfig(task="arithmetic", critic_llm=llm, analyzer_llm=llm, spec_llm=llm, budget_tokens=100_000)
    family = TextFamily.open("arithmetic")
    assert family is not None
    agents = family.agents(config, tmp_path, lambda: "Specification v1", models=None, on_call=None)
    built = family.text_agents
    assert isinstance(built.designer, RuleBasedTextDesigner), "--designer-llm and --llm are offline"
    assert isinstance(built.critic, LLMTextCritic) and isinstance(built.analyzer, LLMTextAnalyzer)
    assert isinstance(built.spec_writer, LLMTextSpecWriter) and isinstance(built.spec_corrector, LLMTextSpecCorrector)
    llm_server.play(Reply.answer("not JSON"), Reply.answer(json.dumps({"passed": True, "findings": []})))
    assert built.spec_writer.initial(family.task).author == RuleBasedTextSpecWriter.name
    candidate = Candidate(id="i01-c00", iteration=1, code=GOOD, designer="m")
    assert built.critic.review(candidate, family.task).passed
    calls = CallLog.read(tmp_path)
    assert [call.agent for call in calls] == ["spec", "critic"] and agents.budget is not None
    assert agents.budget.spent == sum(call.prompt_tokens + call.completion_tokens for call in calls) > 0


@pytest.mark.parametrize(
    "settings",
    [
        {"critic_llm": NO_SERVER},
        {"analyzer_llm": NO_SERVER},
        {"spec_llm": NO_SERVER},
        {"llm": NO_SERVER, "designer_llm": "openai:gpt-4o-mini"},
    ],
    ids=["critic", "analyzer", "spec", "llm_beside_designer"],
)
def test_check_accepts_a_model_for_any_role(settings: dict[str, str]) -> None:
    family = TextFamily.open("arithmetic")
    assert family is not None
    family.check(DesignConfig(task="arithmetic", **settings))


def test_check_still_refuses_a_gpu(tmp_path: Path) -> None:
    with pytest.raises(FamilyConfigError, match="pass --device cpu") as refused:
        design("arithmetic", out=tmp_path, device="cuda", critic_llm=NO_SERVER, **TEXT_SMALL)
    assert "\n" not in str(refused.value) and list(tmp_path.iterdir()) == []
