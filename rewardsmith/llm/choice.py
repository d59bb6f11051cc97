"""The ``--llm`` string, parsed into a typed spec of which model to call and how to reach it."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, TypeAdapter, field_validator

ACCEPTED_FORMS = (
    "offline | local | openai:MODEL | openai-compatible:MODEL@http(s)://HOST[:PORT]/v1 | vllm:MODEL "
    "| hf:PATH_OR_ID[:FILE.gguf]"
)


class LLMSpecError(ValueError):
    """A malformed ``--llm`` string; the message is one line that lists the accepted forms."""

    def __init__(self, text: str, why: str) -> None:
        super().__init__(f"bad --llm {text!r}: {why}; accepted: {ACCEPTED_FORMS}")
        self.text = text
        self.why = why


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The ``--llm`` string that parses back to this spec."""
        raise NotImplementedError


class OfflineSpec(_Spec):
    """The rule-based agents; no model is called."""

    provider: Literal["offline"] = "offline"

    @property
    def text(self) -> str:
        return "offline"


class LocalSpec(_Spec):
    """The embedded small model, run on the CPU through transformers."""

    provider: Literal["local"] = "local"

    @property
    def text(self) -> str:
        return "local"


def _no_blank(value: str) -> str:
    if not value.strip() or value != value.strip():
        raise ValueError("the model name is empty or has surrounding spaces")
    return value


class OpenAISpec(_Spec):
    """OpenAI's API; the key comes from OPENAI_API_KEY."""

    provider: Literal["openai"] = "openai"
    model: str

    _model = field_validator("model")(_no_blank)

    @property
    def text(self) -> str:
        return f"openai:{self.model}"


class OpenAICompatibleSpec(_Spec):
    """Any server speaking OpenAI's chat completions API at ``base_url`` (vLLM, Ollama, llama.cpp, SGLang)."""

    provider: Literal["openai-compatible"] = "openai-compatible"
    model: str
    base_url: str
    structured_output: bool = Field(
        default=True,
        description="Send the answer's JSON schema as response_format; turn off for servers that reject it.",
    )

    _model = field_validator("model")(_no_blank)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError("the URL must be http:// or https:// followed by a host, e.g. http://127.0.0.1:8000/v1")
        return value.rstrip("/")

    @property
    def text(self) -> str:
        return f"openai-compatible:{self.model}@{self.base_url}"


class VLLMSpec(_Spec):
    """An in-process vLLM engine (needs vllm and a CUDA GPU)."""

    provider: Literal["vllm"] = "vllm"
    model: str

    _model = field_validator("model")(_no_blank)

    @property
    def text(self) -> str:
        return f"vllm:{self.model}"


class HFSpec(_Spec):
    """A transformers causal LM from a local directory or a hub id, optionally from a GGUF file in it."""

    provider: Literal["hf"] = "hf"
    path: str
    gguf_file: str | None = None

    _path = field_validator("path")(_no_blank)

    @field_validator("gguf_file")
    @classmethod
    def _gguf_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^\s/:]+\.gguf", value):
            raise ValueError("the file after the last ':' must be a .gguf file name without spaces")
        return value

    @property
    def text(self) -> str:
        return f"hf:{self.path}:{self.gguf_file}" if self.gguf_file else f"hf:{self.path}"


LLMSpecModel = Annotated[
    OfflineSpec | LocalSpec | OpenAISpec | OpenAICompatibleSpec | VLLMSpec | HFSpec,
    Field(discriminator="provider"),
]
_ADAPTER: TypeAdapter[LLMSpecModel] = TypeAdapter(LLMSpecModel)


def parse_llm_spec(text: str) -> LLMSpec:
    """Parse one ``--llm`` string.

    Raises:
        LLMSpecError: The string matches none of the accepted forms, or a part of it is invalid.
    """
    text = text.strip()
    if not text:
        raise LLMSpecError(text, "it is empty")
    provider, colon, rest = text.partition(":")
    fields: dict[str, Any]
    if provider in ("offline", "local"):
        if colon:
            raise LLMSpecError(text, f"'{provider}' takes no argument")
        fields = {"provider": provider}
    elif provider in ("openai", "vllm"):
        fields = {"provider": provider, "model": rest}
    elif provider == "openai-compatible":
        # The model may hold ':' or '@' (Ollama tags); the URL starts at the first '@http'.
        match = re.fullmatch(r"(?P<model>.+?)@(?P<url>https?://.*)", rest)
        if match is None:
            raise LLMSpecError(text, "expected MODEL@URL with an http:// or https:// URL")
        fields = {"provider": provider, "model": match["model"], "base_url": match["url"]}
    elif provider == "hf":
        fields = {"provider": provider, **_hf_parts(rest)}
    else:
        raise LLMSpecError(text, f"unknown provider {provider!r}")
    if provider not in ("offline", "local") and not rest:
        raise LLMSpecError(text, f"'{provider}' needs a model after a colon")
    try:
        return _ADAPTER.validate_python(fields)
    except ValueError as error:
        raise LLMSpecError(text, _first_message(error)) from None


def _hf_parts(rest: str) -> dict[str, str]:
    path, colon, last = rest.rpartition(":")
    # Only a trailing '*.gguf' part is a file name; any other ':' belongs to the path.
    if colon and last.endswith(".gguf"):
        return {"path": path, "gguf_file": last}
    if not colon and rest.endswith(".gguf") and "/" in rest:
        # A path straight to a GGUF file: transformers wants its folder and its name apart.
        folder, _, name = rest.rpartition("/")
        return {"path": folder or "/", "gguf_file": name}
    return {"path": rest}


def _first_message(error: ValueError) -> str:
    errors = getattr(error, "errors", None)
    if callable(errors):
        message = str(errors()[0].get("msg", error))
        return message.removeprefix("Value error, ")
    return str(error).splitlines()[0]


def _coerce(value: object) -> object:
    return parse_llm_spec(value) if isinstance(value, str) else value


LLMSpec = Annotated[LLMSpecModel, BeforeValidator(_coerce), PlainSerializer(lambda spec: spec.text, return_type=str)]
"""A spec as a pydantic field: validates from the ``--llm`` string (or a dict) and serializes back to it."""
