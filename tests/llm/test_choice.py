"""Parsing of the --llm string: every accepted form, and one-line errors for the rest."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from rewardsmith.llm.choice import ACCEPTED_FORMS, LLMChoice, LLMChoiceError, parse_llm_choice
from rewardsmith.llm.providers import (
    HFChoice,
    LocalChoice,
    OfflineChoice,
    OpenAIChoice,
    OpenAICompatibleChoice,
    VLLMChoice,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("offline", OfflineChoice()),
        ("local", LocalChoice()),
        ("openai:gpt-4o-mini", OpenAIChoice(model="gpt-4o-mini")),
        (
            "openai-compatible:qwen2.5-coder@http://127.0.0.1:8000/v1",
            OpenAICompatibleChoice(model="qwen2.5-coder", base_url="http://127.0.0.1:8000/v1"),
        ),
        (
            "openai-compatible:llama3.1:8b@http://localhost:11434/v1",
            OpenAICompatibleChoice(model="llama3.1:8b", base_url="http://localhost:11434/v1"),
        ),
        (
            "openai-compatible:org/model@https://llm.example.org/v1/",
            OpenAICompatibleChoice(model="org/model", base_url="https://llm.example.org/v1"),
        ),
        ("vllm:Qwen/Qwen2.5-Coder-7B-Instruct", VLLMChoice(model="Qwen/Qwen2.5-Coder-7B-Instruct")),
        ("hf:/models/smol", HFChoice(path="/models/smol")),
        ("hf:org/model", HFChoice(path="org/model")),
        ("hf:org/model-GGUF:model.Q4_K_M.gguf", HFChoice(path="org/model-GGUF", gguf_file="model.Q4_K_M.gguf")),
        ("hf:/models/smol/model.gguf", HFChoice(path="/models/smol", gguf_file="model.gguf")),
        ("  local ", LocalChoice()),
    ],
)
def test_accepted_forms(text: str, expected: object) -> None:
    spec = parse_llm_choice(text)

    assert spec == expected
    assert parse_llm_choice(spec.text) == spec  # the canonical form parses back to the same spec


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("gpt-4o", "unknown provider 'gpt-4o'"),
        ("anthropic:claude", "unknown provider 'anthropic'"),
        ("openai", "needs a model"),
        ("openai:", "needs a model"),
        ("vllm:", "needs a model"),
        ("hf:", "needs a model"),
        ("openai: gpt-4o", "spaces"),
        ("local:smol", "takes no argument"),
        ("offline:x", "takes no argument"),
        ("openai-compatible:model", "MODEL@URL"),
        ("openai-compatible:model@127.0.0.1:8000/v1", "MODEL@URL"),
        ("openai-compatible:model@ftp://host/v1", "MODEL@URL"),
        ("openai-compatible:@http://host/v1", "MODEL@URL"),
        ("openai-compatible:model@http://", "http:// or https://"),
        ("openai-compatible:model@http://host with space/v1", "http:// or https://"),
        ("hf:dir:bad name.gguf", ".gguf file name"),
    ],
)
def test_malformed_strings_give_one_line_errors(text: str, why: str) -> None:
    with pytest.raises(LLMChoiceError) as caught:
        parse_llm_choice(text)

    message = str(caught.value)
    assert why in message
    assert "\n" not in message
    assert message.endswith(ACCEPTED_FORMS)


class Holder(BaseModel):
    llm: LLMChoice


def test_spec_as_a_pydantic_field_round_trips_through_its_string() -> None:
    holder = Holder(llm="openai-compatible:m@http://127.0.0.1:9/v1")  # type: ignore[arg-type]

    assert isinstance(holder.llm, OpenAICompatibleChoice)
    assert holder.model_dump() == {"llm": "openai-compatible:m@http://127.0.0.1:9/v1"}
    assert Holder.model_validate_json(holder.model_dump_json()) == holder
    assert Holder(llm={"provider": "hf", "path": "/m"}).llm == HFChoice(path="/m")  # type: ignore[arg-type]


def test_spec_field_rejects_bad_strings() -> None:
    with pytest.raises(ValidationError, match="unknown provider"):
        Holder(llm="nonsense")  # type: ignore[arg-type]
