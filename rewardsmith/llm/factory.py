"""Build the chat model an ``--llm`` choice names; each provider's heavy imports happen only when chosen."""

from __future__ import annotations

from rewardsmith.llm.base import ChatModel
from rewardsmith.llm.providers.base import ProviderChoice
from rewardsmith.llm.retry import RetryPolicy


def make_chat_model(choice: ProviderChoice, *, retry: RetryPolicy | None = None, timeout_s: float = 300.0) -> ChatModel:
    """The model for ``choice``; the local ones load on their first call, not here.

    Raises:
        LLMUnavailableError: The provider cannot run here (a missing key or package), with the fix.
        ValueError: ``choice`` is ``offline``, which calls no model.
    """
    return choice.build(retry=retry, timeout_s=timeout_s)
