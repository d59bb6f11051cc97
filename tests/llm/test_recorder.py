"""Recording of calls, per-agent totals, costs and the shared token budget."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from rewardsmith.llm.base import BudgetExhaustedError, ChatMessage, ChatRequest, LLMCallError
from rewardsmith.llm.openai_chat import OpenAIChat
from rewardsmith.llm.prices import cost_usd, price_of
from rewardsmith.llm.recorder import CALLS_FILE, CallLog, LLMUsage, RecordingModel, TokenBudget
from rewardsmith.llm.retry import RetryPolicy
from tests.llm.scripted_server import Reply, ScriptedServer


def ask(text: str = "hello") -> ChatRequest:
    return ChatRequest(messages=[ChatMessage(role="user", content=text)], max_tokens=50)


def priced_model(server: ScriptedServer, retry: RetryPolicy) -> OpenAIChat:
    # Named as the openai provider names it, so the price table applies; served by the scripted server.
    return OpenAIChat("gpt-4o-mini", name="openai:gpt-4o-mini", base_url=server.url, retry=retry)


def lines(directory: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (directory / CALLS_FILE).read_text().splitlines()]


def test_every_call_is_one_json_line_with_tokens_and_latency(
    server: ScriptedServer, fast_retry: RetryPolicy, tmp_path: Path
) -> None:
    server.play(Reply.answer("reward v1", completion_tokens=9), Reply.answer("verdict", completion_tokens=4))
    log = CallLog(tmp_path)
    model = priced_model(server, fast_retry)
    RecordingModel(model, log, "designer").complete(ask("design"))
    RecordingModel(model, log, "critic").complete(ask("critique"))

    first, second = lines(tmp_path)
    assert first["agent"] == "designer"
    assert first["model"] == "openai:gpt-4o-mini"
    assert first["messages"] == [{"role": "user", "content": "design"}]
    assert first["texts"] == ["reward v1"]
    assert (first["prompt_tokens"], first["completion_tokens"]) == (11, 9)
    assert isinstance(first["latency_s"], float) and first["latency_s"] > 0
    assert first["error_kind"] is None
    assert first["cost_usd"] == pytest.approx(cost_usd("openai:gpt-4o-mini", 11, 9))
    assert second["agent"] == "critic"
    assert CallLog.read(tmp_path)[1].texts == ["verdict"]


def test_per_agent_totals(server: ScriptedServer, fast_retry: RetryPolicy, tmp_path: Path) -> None:
    server.play(
        Reply.answer("a", completion_tokens=10),
        Reply.answer("b", completion_tokens=20),
        Reply.answer("c", completion_tokens=5),
    )
    log = CallLog(tmp_path)
    model = priced_model(server, fast_retry)
    designer, critic = RecordingModel(model, log, "designer"), RecordingModel(model, log, "critic")
    designer.complete(ask())
    designer.complete(ask())
    critic.complete(ask())

    usage = log.usage()
    assert usage.agents["designer"].calls == 2
    assert (usage.agents["designer"].prompt_tokens, usage.agents["designer"].completion_tokens) == (22, 30)
    assert usage.agents["critic"].completion_tokens == 5
    assert usage.total.calls == 3
    assert usage.total.total_tokens == 33 + 35
    assert usage.total.latency_s > 0
    assert usage.total.cost_usd == pytest.approx(0.15 * 33 / 1e6 + 0.60 * 35 / 1e6)
    # The file alone gives the same totals (for reading a finished run).
    assert LLMUsage.of(CallLog.read(tmp_path)) == usage


def test_unpriced_model_has_no_cost(server: ScriptedServer, fast_retry: RetryPolicy, tmp_path: Path) -> None:
    server.play(Reply.answer("x"))
    log = CallLog(tmp_path)
    model = OpenAIChat("gpt-4o-mini", name=f"openai-compatible:gpt-4o-mini@{server.url}", base_url=server.url)
    RecordingModel(model, log, "designer").complete(ask())

    assert lines(tmp_path)[0]["cost_usd"] is None
    assert log.usage().total.cost_usd is None


def test_failed_call_is_recorded_with_its_kind(server: ScriptedServer, fast_retry: RetryPolicy, tmp_path: Path) -> None:
    server.play(*[Reply.http_status(503)] * 3)
    log = CallLog(tmp_path)
    with pytest.raises(LLMCallError):
        RecordingModel(priced_model(server, fast_retry), log, "analyzer").complete(ask())

    (line,) = lines(tmp_path)
    assert (line["error_kind"], line["attempts"], line["texts"]) == ("server_error", 3, [])
    assert log.usage().agents["analyzer"].failed_calls == 1


def test_budget_exhaustion_stops_further_calls(server: ScriptedServer, fast_retry: RetryPolicy, tmp_path: Path) -> None:
    server.play(Reply.answer("a", completion_tokens=15), Reply.answer("b", completion_tokens=15), Reply.answer("c"))
    budget = TokenBudget(40)
    log = CallLog(tmp_path, budget)
    model = priced_model(server, fast_retry)
    designer, critic = RecordingModel(model, log, "designer"), RecordingModel(model, log, "critic")
    designer.complete(ask())  # 26 tokens: some budget left
    critic.complete(ask())  # 52: spent

    with pytest.raises(BudgetExhaustedError) as caught:
        designer.complete(ask())

    assert len(server.requests) == 2  # the refused call never reached the server
    assert (caught.value.spent, caught.value.budget) == (52, 40)
    assert "--budget-tokens" in str(caught.value)
    assert len(lines(tmp_path)) == 2
    assert budget.exhausted


def test_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBudget(0)


def test_concurrent_calls_write_whole_lines(server: ScriptedServer, fast_retry: RetryPolicy, tmp_path: Path) -> None:
    server.play(*[Reply.answer("sample " * 50)] * 12)
    log = CallLog(tmp_path)
    model = priced_model(server, fast_retry)
    threads = [
        threading.Thread(target=RecordingModel(model, log, f"agent-{i % 3}").complete, args=(ask(),)) for i in range(12)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(lines(tmp_path)) == 12
    assert log.usage().total.calls == 12
    assert sum(t.calls for t in log.usage().agents.values()) == 12


def test_torn_last_line_is_skipped_on_read(tmp_path: Path, server: ScriptedServer, fast_retry: RetryPolicy) -> None:
    server.play(Reply.answer("x"))
    RecordingModel(priced_model(server, fast_retry), CallLog(tmp_path), "designer").complete(ask())
    with (tmp_path / CALLS_FILE).open("a") as stream:
        stream.write('{"time": "2026-01-01", "agent": "des')

    assert len(CallLog.read(tmp_path)) == 1
    assert CallLog.read(tmp_path / "nowhere") == []


def test_price_table() -> None:
    assert price_of("openai:gpt-4o-2024-08-06") == price_of("openai:gpt-4o")
    assert cost_usd("openai:gpt-4o", 1_000_000, 1_000_000) == pytest.approx(12.5)
    assert cost_usd("local", 10, 10) is None
    assert cost_usd("vllm:gpt-4o", 10, 10) is None


def test_each_recorded_call_is_heard_with_a_one_line_summary(
    server: ScriptedServer, fast_retry: RetryPolicy, tmp_path: Path
) -> None:
    server.play(Reply.answer("a", completion_tokens=1234), Reply.http_status(400))
    heard: list[str] = []
    log = CallLog(tmp_path, on_call=lambda call: heard.append(call.summary()))
    model = RecordingModel(priced_model(server, fast_retry), log, "designer")
    model.complete(ask())
    with pytest.raises(LLMCallError):
        model.complete(ask())
    assert len(heard) == 2 and len(lines(tmp_path)) == 2, "heard once each, after the line is written"
    assert heard[0].startswith("designer (openai:gpt-4o-mini): 1,234 tokens in ")
    assert heard[1].startswith("designer (openai:gpt-4o-mini): failed after 1 attempt(s)")
