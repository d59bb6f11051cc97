"""What the LLM agents share: their prompt templates, the data blocks that quote results back to a
model, and reading a JSON answer whether or not the provider enforced its schema."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from string import Template
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from rewardsmith.agents.critic.allowed_api import summary as allowed_api_summary
from rewardsmith.llm.base import ChatMessage, ChatModel, ChatRequest, LLMCallError

ModelT = TypeVar("ModelT", bound=BaseModel)

DEFAULT_JSON_TOKENS = 1024
"""Completion tokens of a JSON answer (a verdict, an analysis) unless an agent is given its own limit."""

_DATA_OPEN = "<<<DATA {name}>>>"
_DATA_CLOSE = "<<<END DATA {name}>>>"
# A quoted text could hold the markers itself and so "close" its block early; the look-alike keeps
# the text readable while no longer matching the marker the prompt tells the model to trust.
_MARKER = re.compile(r"<<<|>>>")
_MARKER_STANDIN = {"<<<": "‹‹‹", ">>>": "›››"}


AGENT_PROMPTS = "rewardsmith.agents.prompts"


@cache
def template(package: str, name: str) -> Template:
    """The template ``<name>.md`` of the prompt package ``package``."""
    text = resources.files(package).joinpath(f"{name}.md").read_text(encoding="utf-8")
    return Template(text.strip("\n"))


def prompt(name: str) -> Template:
    """The template ``rewardsmith/agents/prompts/<name>.md``."""
    return template(AGENT_PROMPTS, name)


def render(name: str, **fields: str) -> str:
    """A filled template; every system prompt gets the data rule, so no agent can forget it, and the
    allowed API as the critic's own list says it (``$allowed_api``).

    Raises:
        KeyError: A field of the template was not given.
    """
    return render_in(AGENT_PROMPTS, name, allowed_api=allowed_api_summary(), **fields)


def render_in(package: str, name: str, **fields: str) -> str:
    """A filled template of another family's prompt package, with the agents' data rule (``$data_rule``).

    Raises:
        KeyError: A field of the template was not given.
    """
    return template(package, name).substitute({"data_rule": prompt("data_rule").template, **fields})


def data_block(name: str, text: str) -> str:
    """Quote ``text`` (results, analyses, feedback, code) as data the model must not obey."""
    safe = _MARKER.sub(lambda match: _MARKER_STANDIN[match.group(0)], text.strip("\n"))
    return f"{_DATA_OPEN.format(name=name)}\n{safe}\n{_DATA_CLOSE.format(name=name)}"


def closed_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of ``model`` as strict structured output wants it: every object closed, every
    property required (optional ones are nullable)."""
    schema = model.model_json_schema()

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
                node["required"] = list(node["properties"])
            for key in ("title", "default", "description"):
                if key in node and not isinstance(node[key], dict):
                    node.pop(key)
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    return schema


class ChatAgent:
    """An agent that asks one chat model for JSON answers: its name is the model's.

    Args:
        chat: The agent's model (a recording one in a run, so every call lands in llm_calls.jsonl).
        max_tokens: Completion tokens of one answer.
    """

    def __init__(self, chat: ChatModel, *, max_tokens: int = DEFAULT_JSON_TOKENS) -> None:
        self.chat = chat
        self.max_tokens = max_tokens

    @property
    def name(self) -> str:
        return self.chat.name


class AnswerError(ValueError):
    """A model's answer that is not the JSON asked for; the message says what was wrong, in one line."""


def parse_json_answer(text: str, model: type[ModelT]) -> ModelT:
    """Read ``model`` from an answer: bare JSON, JSON in a fence, or the first JSON object amid prose.

    Raises:
        AnswerError: No JSON object in the text, or one that does not fit ``model``.
    """
    candidates = [text.strip()]
    candidates += [block.strip() for block in re.findall(r"```(?:json)?\s*\n(.*?)```", text, re.DOTALL)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    last_error = "the answer holds no JSON object"
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if not isinstance(value, dict):
            last_error = "the answer is JSON but not an object"
            continue
        try:
            return model.model_validate(value)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the object"
            last_error = f"the JSON does not fit the schema at {where}: {first['msg']}"
    raise AnswerError(last_error)


def ask_json(
    chat: ChatModel,
    system: str,
    user: str,
    answer: type[ModelT],
    *,
    temperature: float = 0.0,
    max_tokens: int = DEFAULT_JSON_TOKENS,
) -> ModelT:
    """One request for a JSON answer, with the schema where the provider enforces one.

    Raises:
        LLMCallError: The call failed after the provider's retries.
        BudgetExhaustedError: The run's token budget is spent.
        AnswerError: The answer is not the JSON asked for.
    """
    request = ChatRequest(
        messages=[ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)],
        temperature=temperature,
        max_tokens=max_tokens,
        json_schema=closed_schema(answer) if chat.supports_structured_output else None,
        schema_name=answer.__name__.lower(),
    )
    response = chat.complete(request)
    return parse_json_answer(response.text, answer)


def one_line(error: Exception) -> str:
    """An error as one line for a record or a reason."""
    text = str(error) if isinstance(error, LLMCallError) else (str(error) or type(error).__name__)
    return text.splitlines()[0] if text else type(error).__name__
