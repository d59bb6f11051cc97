"""``vllm:MODEL``: an in-process vLLM engine (needs vllm and a CUDA GPU)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import field_validator

from rewardsmith.llm.base import ChatModel
from rewardsmith.llm.providers.base import ProviderChoice, no_blank
from rewardsmith.llm.retry import RetryPolicy


class VLLMChoice(ProviderChoice):
    """An in-process vLLM engine (needs vllm and a CUDA GPU)."""

    provider: Literal["vllm"] = "vllm"
    form: ClassVar[str] = "vllm:MODEL"
    model: str

    _model = field_validator("model")(no_blank)

    @property
    def text(self) -> str:
        return f"vllm:{self.model}"

    def build(self, *, retry: RetryPolicy | None, timeout_s: float) -> ChatModel:
        from rewardsmith.llm.vllm_chat import VLLMChat

        return VLLMChat(self.model, name=self.text)
