"""Chat providers for the LLM agents: any model behind one ``ChatModel`` interface, with one retry
layer, a record of every call, and the run's token budget.

Typical use::

    spec = parse_llm_spec("openai-compatible:qwen2.5-coder@http://127.0.0.1:8000/v1")
    log = CallLog(run_dir, TokenBudget(200_000))
    designer_model = RecordingModel(make_chat_model(spec), log, "designer")
    response = designer_model.complete(ChatRequest(messages=[ChatMessage(role="user", content="...")]))

Only ``base``, ``spec``, ``retry``, ``prices`` and ``recorder`` are imported here; the providers,
with their heavy dependencies, load when ``make_chat_model`` picks one.
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
from rewardsmith.llm.choice import ACCEPTED_FORMS, LLMSpec, LLMSpecError, parse_llm_spec
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
    "LLMError",
    "LLMSpec",
    "LLMSpecError",
    "LLMUnavailableError",
    "LLMUsage",
    "RecordingModel",
    "RetryPolicy",
    "TokenBudget",
    "call_with_retries",
    "cost_usd",
    "make_chat_model",
    "parse_llm_spec",
    "price_of",
]
