"""What every chat provider declares: its ``--llm`` form, how to parse its argument, how to build it."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from rewardsmith.llm.base import ChatModel
from rewardsmith.llm.retry import RetryPolicy


class ArgumentError(ValueError):
    """The part after ``provider:`` is malformed; the message says why, for :class:`LLMChoiceError`."""


class ProviderChoice(BaseModel):
    """One provider's parsed ``--llm`` string: which model it calls and how to reach it.

    A subclass sets ``provider`` to a ``Literal`` of its name, ``form`` to the accepted form, and
    ``takes_argument``; it parses what follows ``provider:`` in :meth:`argument_fields` and builds its
    chat model in :meth:`build`, importing its heavy dependencies only there.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str
    #: The accepted form, as ``--help`` and error messages show it.
    form: ClassVar[str]
    #: Whether the form has a part after ``provider:``.
    takes_argument: ClassVar[bool] = True
    #: False for the rule-based agents, which call no model.
    calls_a_model: ClassVar[bool] = True
    #: True for models that generate on this machine's CPU, which pays for every token it allows.
    generates_locally: ClassVar[bool] = False

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The ``--llm`` string that parses back to this choice."""
        raise NotImplementedError

    @classmethod
    def argument_fields(cls, argument: str) -> dict[str, Any]:
        """The fields that the part after ``provider:`` gives; by default the model's name.

        Raises:
            ArgumentError: The argument is malformed.
        """
        return {"model": argument}

    def build(self, *, retry: RetryPolicy | None, timeout_s: float) -> ChatModel:
        """The chat model; local models load on their first call, not here.

        Raises:
            rewardsmith.llm.LLMUnavailableError: The provider cannot run here (a missing key or package).
        """
        raise NotImplementedError


def no_blank(value: str) -> str:
    """A pydantic validator: model names and paths have no surrounding spaces and are not empty."""
    if not value.strip() or value != value.strip():
        raise ValueError("the model name is empty or has surrounding spaces")
    return value
