"""The openai provider through the real SDK against the scripted server: answers, streaming,
retries, failures and structured output."""

from __future__ import annotations

import socket
import time

import pytest

from rewardsmith.llm.base import ChatMessage, ChatRequest, LLMCallError
from rewardsmith.llm.openai_chat import OpenAIChat
from rewardsmith.llm.retry import RetryPolicy
from tests.llm.scripted_server import Reply, ScriptedServer

SCHEMA = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "rationale": {"type": "string"}},
    "required": ["code", "rationale"],
    "additionalProperties": False,
}


def ask(text: str = "write a reward", **options: object) -> ChatRequest:
    return ChatRequest(
        messages=[ChatMessage(role="system", content="You design rewards."), ChatMessage(role="user", content=text)],
        **options,  # type: ignore[arg-type]
    )


def chat(server: ScriptedServer, retry: RetryPolicy, **options: object) -> OpenAIChat:
    return OpenAIChat(
        "scripted-model",
        name=f"openai-compatible:scripted-model@{server.url}",
        base_url=server.url,
        retry=retry,
        **options,  # type: ignore[arg-type]
    )


def test_good_answer(server: ScriptedServer, fast_retry: RetryPolicy) -> None:
    server.play(Reply.answer("def compute_reward(): pass", completion_tokens=7))
    response = chat(server, fast_retry).complete(ask(temperature=0.3, max_tokens=64, stop=["```end"], seed=5))

    assert response.texts == ["def compute_reward(): pass"]
    assert response.finish_reasons == ["stop"]
    assert (response.prompt_tokens, response.completion_tokens) == (11, 7)
    assert not response.tokens_estimated
    assert response.model == "scripted-model"
    assert response.latency_s > 0
    assert response.attempts == 1
    (body,) = server.requests
    assert body["model"] == "scripted-model"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert (body["temperature"], body["max_tokens"], body["stop"], body["seed"]) == (0.3, 64, ["```end"], 5)
    assert "response_format" not in body
    assert "stream" not in body


def test_samples_come_back_in_order(server: ScriptedServer, fast_retry: RetryPolicy) -> None:
    server.play(Reply.answer("a", "b", "c"))
    response = chat(server, fast_retry).complete(ask(n=3))

    assert response.texts == ["a", "b", "c"]
    assert server.requests[0]["n"] == 3


def test_server_that_ignores_n_is_asked_again_for_the_rest(server: ScriptedServer, fast_retry: RetryPolicy) -> None:
    server.play(Reply.answer("first", n_choices=1), Reply.answer("second", "third"))
    response = chat(server, fast_retry).complete(ask(n=3))

    assert response.texts == ["first", "second", "third"]
    assert [body["n"] for body in server.requests] == [3, 2]
    assert response.prompt_tokens == 22


def test_streaming_joins_server_sent_events(server: ScriptedServer, fast_retry: RetryPolicy) -> None:
    server.play(Reply.answer("streamed reward code", "another sample", completion_tokens=5))
    response = chat(server, fast_retry).complete(ask(stream=True, n=2))

    assert response.texts == ["streamed reward code", "another sample"]
    assert response.finish_reasons == ["stop", "stop"]
    assert (response.prompt_tokens, response.completion_tokens) == (11, 5)
    (body,) = server.requests
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


def test_missing_usage_is_estimated(server: ScriptedServer, fast_retry: RetryPolicy) -> None:
    server.play(Reply.answer("x" * 40, usage=False))
    response = chat(server, fast_retry).complete(ask())

    assert response.tokens_estimated
    assert response.completion_tokens == 10
    assert response.prompt_tokens > 0


def test_rate_limit_then_success_takes_two_requests(server: ScriptedServer, fast_retry: RetryPolicy) -> None:
    server.play(Reply.http_status(429, retry_after=0.02), Reply.answer("after the wait"))
    start = time.monotonic()
    response = chat(server, fast_retry).complete(ask())

    assert response.texts == ["after the wait"]
    assert response.attempts == 2
    assert len(server.requests) == 2
    assert time.monotonic() - start >= 0.02  # Retry-After was honoured


def test_server_error_storm_fails_after_exactly_the_attempts(server: ScriptedServer, fast_retry: RetryPolicy) -> None:
    server.play(*[Reply.http_status(500)] * 5)
    with pytest.raises(LLMCallError) as caught:
        chat(server, fast_retry).complete(ask())

    assert caught.value.kind == "server_error"
    assert caught.value.attempts == fast_retry.attempts == 3
    assert len(server.requests) == 3
    assert server.pending == 2
    assert "\n" not in str(caught.value)


def test_client_error_is_not_retried(server: ScriptedServer, fast_retry: RetryPolicy) -> None:
    server.play(Reply.http_status(401), Reply.answer("never reached"))
    with pytest.raises(LLMCallError) as caught:
        chat(server, fast_retry).complete(ask())

    assert caught.value.kind == "rejected"
    assert caught.value.status == 401
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("reply", "stream"),
    [
        (Reply.garbage(), False),
        (Reply.garbage(b""), False),
        (Reply.garbage(b'{"unexpected": true}'), False),
        (Reply.garbage(b"data: {not json\n\ndata: [DONE]\n\n"), True),
        (Reply.empty(), False),
        (Reply.empty(), True),
        (Reply.answer("   "), False),
    ],
    ids=["bytes", "no-body", "other-json", "bad-sse", "no-choices", "no-choices-sse", "blank-text"],
)
def test_garbage_and_empty_answers_are_bad_responses(
    server: ScriptedServer, fast_retry: RetryPolicy, reply: Reply, stream: bool
) -> None:
    server.play(reply)
    with pytest.raises(LLMCallError) as caught:
        chat(server, fast_retry).complete(ask(stream=stream))

    assert caught.value.kind == "bad_response"
    assert len(server.requests) == 1  # an unusable answer is not asked for again


def test_timeout(server: ScriptedServer) -> None:
    server.play(Reply.slow(2.0), Reply.slow(2.0))
    model = chat(server, RetryPolicy(attempts=2, base_delay_s=0.001), timeout_s=0.3)
    with pytest.raises(LLMCallError) as caught:
        model.complete(ask())

    assert caught.value.kind == "timeout"
    assert caught.value.attempts == 2


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is closed now: nothing listens on it.
    url = f"http://127.0.0.1:{port}/v1"
    model = OpenAIChat(
        "m", name=f"openai-compatible:m@{url}", base_url=url, retry=RetryPolicy(attempts=2, base_delay_s=0)
    )
    with pytest.raises(LLMCallError) as caught:
        model.complete(ask())

    assert caught.value.kind == "connection"
    assert caught.value.attempts == 2


def test_structured_output_sends_the_schema(server: ScriptedServer, fast_retry: RetryPolicy) -> None:
    server.play(Reply.answer('{"code": "x", "rationale": "y"}'))
    model = chat(server, fast_retry)
    response = model.complete(ask(json_schema=SCHEMA, schema_name="reward"))

    assert model.supports_structured_output
    assert response.structured
    assert server.requests[0]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "reward", "schema": SCHEMA, "strict": True},
    }


def test_structured_output_can_be_turned_off(server: ScriptedServer, fast_retry: RetryPolicy) -> None:
    server.play(Reply.answer('{"code": "x"}'))
    model = chat(server, fast_retry, structured_output=False)
    response = model.complete(ask(json_schema=SCHEMA))

    assert not model.supports_structured_output
    assert not response.structured
    assert "response_format" not in server.requests[0]


def test_a_server_that_rejects_the_schema_is_asked_without_it(server: ScriptedServer, fast_retry: RetryPolicy) -> None:
    server.play(Reply.http_status(400), Reply.answer("free text"), Reply.answer("again"))
    model = chat(server, fast_retry, schema_fallback=True)
    first = model.complete(ask(json_schema=SCHEMA))
    model.complete(ask(json_schema=SCHEMA))

    assert first.texts == ["free text"]
    assert not first.structured
    assert first.attempts == 2
    assert "response_format" in server.requests[0]
    assert all("response_format" not in body for body in server.requests[1:])
    assert not model.supports_structured_output
