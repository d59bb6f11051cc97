"""make_chat_model: the provider each spec gets, and the errors where one cannot run."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.llm.base import ChatMessage, ChatModel, ChatRequest, LLMUnavailableError
from rewardsmith.llm.choice import parse_llm_choice
from rewardsmith.llm.factory import make_chat_model
from rewardsmith.llm.hf_chat import HFChat
from rewardsmith.llm.openai_chat import OpenAIChat
from rewardsmith.llm.providers.openai import COMPATIBLE_KEY_ENV, OPENAI_KEY_ENV
from rewardsmith.llm.vllm_chat import VLLMChat
from tests.llm.scripted_server import Reply, ScriptedServer

REQUEST = ChatRequest(messages=[ChatMessage(role="user", content="hi")], max_tokens=8)


def test_openai_without_a_key_says_to_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(OPENAI_KEY_ENV, raising=False)
    with pytest.raises(LLMUnavailableError) as caught:
        make_chat_model(parse_llm_choice("openai:gpt-4o-mini"))

    assert "set OPENAI_API_KEY" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_openai_with_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(OPENAI_KEY_ENV, "sk-test")
    model = make_chat_model(parse_llm_choice("openai:gpt-4o-mini"))

    assert isinstance(model, OpenAIChat)
    assert isinstance(model, ChatModel)
    assert model.name == "openai:gpt-4o-mini"
    assert model.supports_structured_output


def test_compatible_server_never_gets_the_openai_key(monkeypatch: pytest.MonkeyPatch, server: ScriptedServer) -> None:
    monkeypatch.setenv(OPENAI_KEY_ENV, "sk-secret-openai-key")
    monkeypatch.delenv(COMPATIBLE_KEY_ENV, raising=False)
    server.play(Reply.answer("hello"))
    model = make_chat_model(parse_llm_choice(f"openai-compatible:smol@{server.url}"))

    assert model.complete(REQUEST).texts == ["hello"]
    assert model.name == f"openai-compatible:smol@{server.url}"
    assert "sk-secret-openai-key" not in server.request_headers[0]["authorization"]


def test_compatible_server_key_comes_from_its_own_variable(
    monkeypatch: pytest.MonkeyPatch, server: ScriptedServer
) -> None:
    monkeypatch.setenv(COMPATIBLE_KEY_ENV, "token-for-the-server")
    server.play(Reply.answer("hello"))
    make_chat_model(parse_llm_choice(f"openai-compatible:smol@{server.url}")).complete(REQUEST)

    assert server.request_headers[0]["authorization"] == "Bearer token-for-the-server"


def test_offline_has_no_chat_model() -> None:
    with pytest.raises(ValueError, match="rule-based"):
        make_chat_model(parse_llm_choice("offline"))


def test_local_and_hf_load_lazily() -> None:
    local = make_chat_model(parse_llm_choice("local"))
    hf = make_chat_model(parse_llm_choice("hf:org/model:model.gguf"))

    assert isinstance(local, HFChat) and local.gguf_file == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert isinstance(hf, HFChat) and (hf.path, hf.gguf_file) == ("org/model", "model.gguf")
    assert not local.supports_structured_output


def test_hf_model_that_cannot_load_is_unavailable(tmp_path: Path) -> None:
    model = make_chat_model(parse_llm_choice(f"hf:{tmp_path}"))  # a folder with no model in it
    with pytest.raises(LLMUnavailableError) as caught:
        model.complete(REQUEST)

    assert str(tmp_path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_vllm_spec_builds_a_lazy_engine() -> None:
    model = make_chat_model(parse_llm_choice("vllm:Qwen/Qwen2.5-0.5B-Instruct"))

    assert isinstance(model, VLLMChat)
    assert model.name == "vllm:Qwen/Qwen2.5-0.5B-Instruct"
