"""Chat providers for the LLM agents: any model behind one ``ChatModel`` interface, with one retry
layer, a record of every call, and the run's token budget.

Typical use::

    choice = parse_llm_choice("openai-compatible:qwen2.5-coder@http://127.0.0.1:8000/v1")
    log = CallLog(run_dir, TokenBudget(200_000))
    designer_model = RecordingModel(make_chat_model(choice), log, "designer")
    response = designer_model.complete(ChatRequest(messages=[ChatMessage(role="user", content="...")]))

Only ``base``, ``choice`` (with the provider table), ``retry``, ``prices`` and ``recorder`` are
imported here; each provider's chat implementation, with its heavy dependencies, loads when
``make_chat_model`` picks it. A new provider is a module in :mod:`rewardsmith.llm.providers` and one
line in its table.
"""

from rewardsmith.llm.base import (
    BudgetExhaustedError,
    CallErrorKind,
    ChatMessage,
    ChatModel,
    ChatRequest,
    ChatResponse,
    LLMCallError,
    LLMError,
    LLMUnavailableError,
)
from rewardsmith.llm.choice import ACCEPTED_FORMS, LLMChoice, LLMChoiceError, parse_llm_choice
from rewardsmith.llm.factory import make_chat_model
from rewardsmith.llm.prices import cost_usd, price_of
from rewardsmith.llm.recorder import (
    CALLS_FILE,
    AgentTotals,
    CallLog,
    CallRecord,
    LLMUsage,
    RecordingModel,
    TokenBudget,
)
from rewardsmith.llm.retry import RetryPolicy, call_with_retries

__all__ = [
    "ACCEPTED_FORMS",
    "CALLS_FILE",
    "AgentTotals",
    "BudgetExhaustedError",
    "CallErrorKind",
    "CallLog",
    "CallRecord",
    "ChatMessage",
    "ChatModel",
    "ChatRequest",
    "ChatResponse",
    "LLMCallError",
    "LLMChoice",
    "LLMChoiceError",
    "LLMError",
    "LLMUnavailableError",
    "LLMUsage",
    "RecordingModel",
    "RetryPolicy",
    "TokenBudget",
    "call_with_retries",
    "cost_usd",
    "make_chat_model",
    "parse_llm_choice",
    "price_of",
]
