"""Build the chat model an ``--llm`` spec names; each provider's heavy imports happen only when chosen."""

from __future__ import annotations

import os

from rewardsmith.llm.base import ChatModel, LLMUnavailableError
from rewardsmith.llm.choice import (
    HFSpec,
    LLMSpec,
    LocalSpec,
    OfflineSpec,
    OpenAICompatibleSpec,
    OpenAISpec,
    VLLMSpec,
)
from rewardsmith.llm.retry import RetryPolicy

OPENAI_KEY_ENV = "OPENAI_API_KEY"
# Compatible servers get their own key variable, so an OpenAI key is never sent to another host.
COMPATIBLE_KEY_ENV = "OPENAI_COMPATIBLE_API_KEY"


def make_chat_model(spec: LLMSpec, *, retry: RetryPolicy | None = None, timeout_s: float = 300.0) -> ChatModel:
    """The model for ``spec``; the local ones load on their first call, not here.

    Raises:
        LLMUnavailableError: The provider cannot run here (a missing key or package), with the fix.
        ValueError: ``spec`` is ``offline``, which calls no model.
    """
    match spec:
        case OfflineSpec():
            raise ValueError("'offline' uses the rule-based agents and has no chat model")
        case OpenAISpec():
            key = os.environ.get(OPENAI_KEY_ENV, "").strip()
            if not key:
                raise LLMUnavailableError(f"--llm {spec.text} needs an API key: set {OPENAI_KEY_ENV}")
            from rewardsmith.llm.openai_chat import OpenAIChat

            return OpenAIChat(spec.model, name=spec.text, api_key=key, retry=retry, timeout_s=timeout_s)
        case OpenAICompatibleSpec():
            from rewardsmith.llm.openai_chat import OpenAIChat

            return OpenAIChat(
                spec.model,
                name=spec.text,
                base_url=spec.base_url,
                api_key=os.environ.get(COMPATIBLE_KEY_ENV) or None,
                structured_output=spec.structured_output,
                schema_fallback=True,
                retry=retry,
                timeout_s=timeout_s,
            )
        case VLLMSpec():
            from rewardsmith.llm.vllm_chat import VLLMChat

            return VLLMChat(spec.model, name=spec.text)
        case HFSpec():
            from rewardsmith.llm.hf_chat import HFChat

            return HFChat(spec.path, gguf_file=spec.gguf_file, name=spec.text)
        case LocalSpec():
            from rewardsmith.llm.hf_chat import EMBEDDED_FILE, HFChat, embedded_model_dir

            return HFChat(str(embedded_model_dir()), gguf_file=EMBEDDED_FILE, name=spec.text)
    raise AssertionError(f"unhandled spec {spec!r}")
