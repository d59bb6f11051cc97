"""Build the loop's agents from a run's config: an LLM agent for each role given a model, the
rule-based one for each role left ``offline``, all recording into the run's llm_calls.jsonl and
spending one shared token budget."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from rewardsmith.agents.analyzer.llm import LLMAnalyzer
from rewardsmith.agents.analyzer.rule_based import RuleBasedAnalyzer
from rewardsmith.agents.context import designer_context
from rewardsmith.agents.critic.llm import LLMCritic
from rewardsmith.agents.critic.static import StaticCritic
from rewardsmith.agents.designer.llm import LLMDesigner
from rewardsmith.agents.designer.rule_based import RuleBasedDesigner
from rewardsmith.agents.protocols import Agents
from rewardsmith.agents.spec.llm import LLMSpecCorrector
from rewardsmith.agents.spec.rule_based import RuleBasedSpecCorrector
from rewardsmith.config import AGENT_ROLES, DesignConfig
from rewardsmith.llm import (
    CallLog,
    CallRecord,
    ChatModel,
    RecordingModel,
    RetryPolicy,
    TokenBudget,
    make_chat_model,
)
from rewardsmith.llm.choice import parse_llm_choice
from rewardsmith.tasks import Task


def chat_models_for(config: DesignConfig, retry: RetryPolicy | None = None) -> dict[str, ChatModel]:
    """The chat model of each role that has one; roles sharing an ``--llm`` share one model (a local
    model loads once).

    Raises:
        LLMChoiceError: An ``--llm`` string is malformed.
        LLMUnavailableError: A provider cannot run here (a missing key, package or file).
    """
    built: dict[str, ChatModel] = {}
    models: dict[str, ChatModel] = {}
    for role in AGENT_ROLES:
        text = config.llm_for(role)
        choice = parse_llm_choice(text)
        if not choice.calls_a_model:
            continue
        if choice.text not in built:
            built[choice.text] = make_chat_model(choice, retry=retry)
        models[role] = built[choice.text]
    return models


def agents_for(
    config: DesignConfig,
    run_dir: Path,
    rubric_text: Callable[[], str],
    task_class: type[Task],
    *,
    models: Mapping[str, ChatModel] | None = None,
    retry: RetryPolicy | None = None,
    on_call: Callable[[CallRecord], None] | None = None,
) -> Agents:
    """The agents of one run.

    Args:
        config: The run's config: which model each role calls, temperature, token budget.
        run_dir: The run's directory, which receives llm_calls.jsonl.
        rubric_text: The current rubric, rendered, for the LLM critic to judge against.
        task_class: The task, whose context the designer and critic read.
        models: Chat models already built by :func:`chat_models_for` (built here when omitted).
        retry: The retry policy of models built here.
        on_call: Hears of every recorded call (the CLI prints a line for each).

    Raises:
        LLMChoiceError, LLMUnavailableError: As :func:`chat_models_for`.
    """
    if models is None:
        models = chat_models_for(config, retry)
    log = run_call_log(config, run_dir, on_call)

    def chat(role: str) -> ChatModel:
        return RecordingModel(models[role], log, role)

    context = designer_context(task_class)
    # --max-tokens overrides every agent; otherwise each keeps its own default.
    limit = {"max_tokens": config.max_tokens} if config.max_tokens else {}
    return Agents(
        designer=LLMDesigner(chat("designer"), temperature=config.temperature, max_tokens=designer_max_tokens(config))
        if "designer" in models
        else RuleBasedDesigner(),
        critic=LLMCritic(chat("critic"), context, rubric_text, **limit) if "critic" in models else StaticCritic(),
        analyzer=LLMAnalyzer(chat("analyzer"), **limit) if "analyzer" in models else RuleBasedAnalyzer(),
        spec_corrector=LLMSpecCorrector(chat("spec"), task_class.spec, **limit)
        if "spec" in models
        else RuleBasedSpecCorrector(),
        budget=log.budget if models else None,
    )


def run_call_log(config: DesignConfig, run_dir: Path, on_call: Callable[[CallRecord], None] | None = None) -> CallLog:
    """The run's llm_calls.jsonl, with the one token budget every agent of the run spends."""
    budget = TokenBudget(config.budget_tokens)
    # A resumed run has already spent what its record holds.
    budget.charge(sum(call.prompt_tokens + call.completion_tokens for call in CallLog.read(run_dir)))
    return CallLog(run_dir, budget, on_call)


def designer_max_tokens(config: DesignConfig) -> int:
    """Completion tokens of one designer sample: ``--max-tokens``, else the default for where the model runs."""
    # A reward is a few hundred tokens; a model generating on this machine's CPU (local, hf) pays
    # for every token it is allowed, so it gets a tighter limit than a served model.
    on_cpu = parse_llm_choice(config.llm_for("designer")).generates_locally
    return config.max_tokens or (768 if on_cpu else 2048)
