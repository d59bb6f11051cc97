"""What every chat provider takes and returns, and the errors it may raise."""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant"]

CallErrorKind = Literal["rate_limited", "server_error", "timeout", "connection", "bad_response", "rejected"]
"""Why a call failed: the first four are transient and retried; ``bad_response`` is an answer that
cannot be used (garbage, no choices, only empty text); ``rejected`` is any other 4xx (a bad key, an
unknown model, a malformed request), which no retry can fix."""

RETRYABLE_KINDS: frozenset[CallErrorKind] = frozenset({"rate_limited", "server_error", "timeout", "connection"})


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Role
    content: str


class ChatRequest(BaseModel):
    """One completion request; ``n`` samples share the prompt."""

    model_config = ConfigDict(frozen=True)

    messages: list[ChatMessage] = Field(min_length=1)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    n: int = Field(default=1, ge=1, le=64, description="Independent samples of the answer.")
    max_tokens: int = Field(default=1024, gt=0, description="Completion tokens per sample.")
    stop: list[str] = Field(default_factory=list, max_length=4)
    json_schema: dict[str, Any] | None = Field(
        default=None,
        description="JSON schema the answer must follow, enforced where the provider supports structured "
        "output and otherwise only the caller's to check.",
    )
    schema_name: str = Field(default="answer", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    strict_schema: bool = Field(
        default=True, description="Ask for strict schema adherence (the schema must then close every object)."
    )
    stream: bool = Field(default=False, description="Receive the answer as server-sent events.")
    seed: int | None = Field(default=None, description="Sampling seed, where the provider honours one.")


class ChatResponse(BaseModel):
    """The answer to one request: one text per sample, in order."""

    texts: list[str] = Field(min_length=1)
    finish_reasons: list[str | None]
    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)
    tokens_estimated: bool = Field(
        default=False, description="The server reported no usage, so the counts are estimated from text length."
    )
    latency_s: float = Field(ge=0.0, description="Wall time of the call, retries and their waits included.")
    model: str = Field(description="The model that answered, as the provider names it.")
    structured: bool = Field(default=False, description="The provider was asked to enforce the request's schema.")
    attempts: int = Field(default=1, ge=1, description="HTTP attempts the call took (1 = no retry).")

    @property
    def text(self) -> str:
        return self.texts[0]

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@runtime_checkable
class ChatModel(Protocol):
    """A chat model the agents can call; ``complete`` blocks until the whole answer is in."""

    @property
    def name(self) -> str:
        """The ``--llm`` form that made it, e.g. 'openai:gpt-4o-mini' (the price table keys on it)."""
        ...

    @property
    def supports_structured_output(self) -> bool: ...

    def load(self) -> None:
        """Load the model, or reach its server, now: a run must not start on a model that cannot answer.

        Raises:
            LLMUnavailableError: It cannot be loaded or reached; the message says what to do.
        """
        ...

    def complete(self, request: ChatRequest) -> ChatResponse:
        """Raises:
        LLMUnavailableError: The model cannot run here at all.
        LLMCallError: The call failed, after whatever retries the provider does.
        BudgetExhaustedError: The run's token budget is spent (only through a recorder).
        """
        ...


class LLMError(Exception):
    """Base of the errors this layer raises; every message is one line a user can act on."""


class LLMUnavailableError(LLMError):
    """The model cannot run here: a package, a GPU, a key or a file is missing. The message says the fix."""


class LLMCallError(LLMError):
    """A call that failed, for good once ``attempts`` were spent."""

    def __init__(
        self,
        kind: CallErrorKind,
        message: str,
        *,
        attempts: int = 1,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: CallErrorKind = kind
        self.message = message
        self.attempts = attempts
        self.status = status
        self.retry_after_s = retry_after_s

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS

    def __str__(self) -> str:
        tries = f" (after {self.attempts} attempts)" if self.attempts > 1 else ""
        return f"{self.kind}: {self.message}{tries}"


class BudgetExhaustedError(LLMError):
    """The run's shared token budget is spent; no further call is made."""

    def __init__(self, spent: int, budget: int) -> None:
        super().__init__(f"token budget spent: {spent} of {budget} tokens used (raise --budget-tokens to go on)")
        self.spent = spent
        self.budget = budget
