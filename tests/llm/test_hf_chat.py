"""The transformers provider on the embedded model: one real, short generation."""

from __future__ import annotations

import pytest

from rewardsmith.llm.base import ChatMessage, ChatRequest
from rewardsmith.llm.factory import make_chat_model
from rewardsmith.llm.hf_chat import EMBEDDED_FILE, embedded_model_dir
from rewardsmith.llm.providers import LocalChoice


def test_embedded_model_file_is_installed() -> None:
    assert (embedded_model_dir() / EMBEDDED_FILE).stat().st_size > 50_000_000


@pytest.mark.slow
def test_local_model_generates() -> None:
    """Asserts only what holds for any model: some text, counted tokens, a measured latency."""
    model = make_chat_model(LocalChoice())
    request = ChatRequest(
        messages=[
            ChatMessage(role="system", content="You write Python."),
            ChatMessage(role="user", content="Write a Python function that returns 1."),
        ],
        n=2,
        temperature=0.7,
        max_tokens=24,
        seed=0,
    )
    response = model.complete(request)

    assert len(response.texts) == 2
    assert all(text.strip() for text in response.texts)
    assert response.prompt_tokens > 0
    assert 0 < response.completion_tokens <= 2 * 24
    assert response.latency_s > 0
    assert set(response.finish_reasons) <= {"stop", "length"}

    # Greedy decoding is decoded once (the model is loaded already) and repeated for each sample.
    greedy = model.complete(request.model_copy(update={"temperature": 0.0, "max_tokens": 8}))
    assert len(greedy.texts) == 2 and greedy.texts[0] == greedy.texts[1]
