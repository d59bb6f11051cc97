"""``offline``: the rule-based agents; no model is called."""

from __future__ import annotations

from typing import ClassVar, Literal

from rewardsmith.llm.base import ChatModel
from rewardsmith.llm.providers.base import ProviderChoice
from rewardsmith.llm.retry import RetryPolicy


class OfflineChoice(ProviderChoice):
    """The rule-based agents; no model is called."""

    provider: Literal["offline"] = "offline"
    form: ClassVar[str] = "offline"
    takes_argument: ClassVar[bool] = False
    calls_a_model: ClassVar[bool] = False

    @property
    def text(self) -> str:
        return "offline"

    def build(self, *, retry: RetryPolicy | None, timeout_s: float) -> ChatModel:
        raise ValueError("'offline' uses the rule-based agents and has no chat model")
