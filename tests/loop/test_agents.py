"""Which agent each role gets, and the completion limits each LLM agent is given."""

from __future__ import annotations

from pathlib import Path

from rewardsmith.agents import RuleBasedAnalyzer, StaticCritic
from rewardsmith.agents.analyzer.llm import LLMAnalyzer
from rewardsmith.agents.critic.llm import LLMCritic
from rewardsmith.agents.designer.llm import LLMDesigner
from rewardsmith.agents.spec.llm import LLMSpecCorrector
from rewardsmith.config import DesignConfig
from rewardsmith.loop.agents import agents_for
from rewardsmith.loop.record import RunRecord
from rewardsmith.tasks import load_task

SERVED = "openai-compatible:M@http://127.0.0.1:9/v1"


def _agents(tmp_path: Path, **options: object):
    config = DesignConfig(task="cartpole", out=tmp_path, **options)
    task_class = load_task("cartpole")
    record = RunRecord.create(config, "cartpole")
    return agents_for(config, record.dir, record.current_rubric_text, task_class)


def test_served_models_get_the_default_limits(tmp_path: Path) -> None:
    agents = _agents(tmp_path, llm=SERVED)
    assert isinstance(agents.designer, LLMDesigner) and agents.designer.max_tokens == 2048
    assert isinstance(agents.critic, LLMCritic) and agents.critic.max_tokens == 1024
    assert isinstance(agents.analyzer, LLMAnalyzer) and agents.analyzer.max_tokens == 1024
    assert isinstance(agents.spec_corrector, LLMSpecCorrector) and agents.spec_corrector.max_tokens == 2048


def test_a_model_on_this_machine_gets_a_tighter_designer_limit(tmp_path: Path) -> None:
    # The local model loads on its first call, not here.
    agents = _agents(tmp_path, llm="local")
    assert isinstance(agents.designer, LLMDesigner) and agents.designer.max_tokens == 768


def test_max_tokens_limits_every_agent_and_offline_roles_keep_their_rules(tmp_path: Path) -> None:
    agents = _agents(tmp_path, llm=SERVED, critic_llm="offline", analyzer_llm="offline", max_tokens=300)
    assert isinstance(agents.designer, LLMDesigner) and agents.designer.max_tokens == 300
    assert isinstance(agents.spec_corrector, LLMSpecCorrector) and agents.spec_corrector.max_tokens == 300
    assert isinstance(agents.critic, StaticCritic) and isinstance(agents.analyzer, RuleBasedAnalyzer)
