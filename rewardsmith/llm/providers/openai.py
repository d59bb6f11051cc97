"""``openai:MODEL`` and ``openai-compatible:MODEL@URL``: any model behind OpenAI's chat API, through the
openai SDK."""

from __future__ import annotations

import os
import re
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from rewardsmith.llm.base import ChatModel, LLMUnavailableError
from rewardsmith.llm.providers.base import ArgumentError, ProviderChoice, no_blank
from rewardsmith.llm.retry import RetryPolicy

OPENAI_KEY_ENV = "OPENAI_API_KEY"
# Compatible servers get their own key variable, so an OpenAI key is never sent to another host.
COMPATIBLE_KEY_ENV = "OPENAI_COMPATIBLE_API_KEY"


class OpenAIChoice(ProviderChoice):
    """OpenAI's API; the key comes from OPENAI_API_KEY."""

    provider: Literal["openai"] = "openai"
    form: ClassVar[str] = "openai:MODEL"
    model: str

    _model = field_validator("model")(no_blank)

    @property
    def text(self) -> str:
        return f"openai:{self.model}"

    def build(self, *, retry: RetryPolicy | None, timeout_s: float) -> ChatModel:
        key = os.environ.get(OPENAI_KEY_ENV, "").strip()
        if not key:
            raise LLMUnavailableError(f"--llm {self.text} needs an API key: set {OPENAI_KEY_ENV}")
        from rewardsmith.llm.openai_chat import OpenAIChat

        return OpenAIChat(self.model, name=self.text, api_key=key, retry=retry, timeout_s=timeout_s)


class OpenAICompatibleChoice(ProviderChoice):
    """Any server speaking OpenAI's chat completions API at ``base_url`` (vLLM, Ollama, llama.cpp, SGLang)."""

    provider: Literal["openai-compatible"] = "openai-compatible"
    form: ClassVar[str] = "openai-compatible:MODEL@http(s)://HOST[:PORT]/v1"
    model: str
    base_url: str
    structured_output: bool = Field(
        default=True,
        description="Send the answer's JSON schema as response_format; turn off for servers that reject it.",
    )

    _model = field_validator("model")(no_blank)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError("the URL must be http:// or https:// followed by a host, e.g. http://127.0.0.1:8000/v1")
        return value.rstrip("/")

    @classmethod
    def argument_fields(cls, argument: str) -> dict[str, Any]:
        # The model may hold ':' or '@' (Ollama tags); the URL starts at the first '@http'.
        match = re.fullmatch(r"(?P<model>.+?)@(?P<url>https?://.*)", argument)
        if match is None:
            raise ArgumentError("expected MODEL@URL with an http:// or https:// URL")
        return {"model": match["model"], "base_url": match["url"]}

    @property
    def text(self) -> str:
        return f"openai-compatible:{self.model}@{self.base_url}"

    def build(self, *, retry: RetryPolicy | None, timeout_s: float) -> ChatModel:
        from rewardsmith.llm.openai_chat import OpenAIChat

        return OpenAIChat(
            self.model,
            name=self.text,
            base_url=self.base_url,
            api_key=os.environ.get(COMPATIBLE_KEY_ENV) or None,
            structured_output=self.structured_output,
            schema_fallback=True,
            retry=retry,
            timeout_s=timeout_s,
        )
