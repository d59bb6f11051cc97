"""The in-process vLLM provider: clear errors where it cannot run, and its plumbing on a stand-in engine."""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any

import pytest
import torch

from rewardsmith.llm.base import ChatMessage, ChatRequest, LLMUnavailableError
from rewardsmith.llm.vllm_chat import VLLMChat

REQUEST = ChatRequest(messages=[ChatMessage(role="user", content="hi")], n=2, max_tokens=8, temperature=0.5)


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed here")
def test_missing_vllm_is_a_clear_error() -> None:
    with pytest.raises(LLMUnavailableError) as caught:
        VLLMChat("some/model", name="vllm:some/model").complete(REQUEST)

    message = str(caught.value)
    assert "pip install vllm" in message
    assert "openai-compatible" in message  # the way to use a vLLM server instead
    assert "\n" not in message


def fake_vllm(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Put a stand-in ``vllm`` module in place; returns the list its engine records calls in."""
    calls: list[Any] = []

    class SamplingParams:
        def __init__(self, **options: Any) -> None:
            self.options = options

    class LLM:
        def __init__(self, model: str, **options: Any) -> None:
            calls.append(("load", model, options))

        def chat(self, messages: list[dict[str, str]], params: SamplingParams, use_tqdm: bool) -> list[Any]:
            calls.append(("chat", messages, params.options))
            outputs = [
                types.SimpleNamespace(text=f"answer {i}", token_ids=[1, 2, 3], finish_reason="stop")
                for i in range(params.options["n"])
            ]
            return [types.SimpleNamespace(prompt_token_ids=[7] * 5, outputs=outputs)]

    class StructuredOutputsParams:
        def __init__(self, json: dict[str, Any]) -> None:
            self.json = json

    module = types.ModuleType("vllm")
    module.LLM = LLM  # type: ignore[attr-defined]
    module.SamplingParams = SamplingParams  # type: ignore[attr-defined]
    sampling = types.ModuleType("vllm.sampling_params")
    sampling.StructuredOutputsParams = StructuredOutputsParams  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vllm", module)
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", sampling)
    return calls


def test_missing_gpu_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_vllm(monkeypatch)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(LLMUnavailableError) as caught:
        VLLMChat("some/model", name="vllm:some/model").complete(REQUEST)

    assert "CUDA GPU" in str(caught.value)
    assert calls == []  # no engine was started


def test_engine_plumbing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_vllm(monkeypatch)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    model = VLLMChat("some/model", name="vllm:some/model", engine_options={"gpu_memory_utilization": 0.5})
    schema = {"type": "object"}
    response = model.complete(REQUEST.model_copy(update={"json_schema": schema}))
    model.complete(REQUEST)

    assert response.texts == ["answer 0", "answer 1"]
    assert (response.prompt_tokens, response.completion_tokens) == (5, 6)
    assert response.structured
    assert [c[0] for c in calls] == ["load", "chat", "chat"]  # one engine for every call
    assert calls[0][2] == {"gpu_memory_utilization": 0.5}
    options = calls[1][2]
    assert (options["n"], options["temperature"], options["max_tokens"]) == (2, 0.5, 8)
    assert options["structured_outputs"].json == schema
    assert "structured_outputs" not in calls[2][2]
