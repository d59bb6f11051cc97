"""The ``--llm`` string, parsed into the typed choice of which model to call and how to reach it.

Each provider declares its own form and parsing (:mod:`rewardsmith.llm.providers`); this module only
finds the provider a string names and validates what follows its name.
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import BeforeValidator, Field, PlainSerializer, TypeAdapter, ValidationError

from rewardsmith.llm.providers import PROVIDERS, ProviderChoice
from rewardsmith.llm.providers.base import ArgumentError

_BY_NAME: dict[str, type[ProviderChoice]] = {choice.model_fields["provider"].default: choice for choice in PROVIDERS}
ACCEPTED_FORMS = " | ".join(choice.form for choice in PROVIDERS)


class LLMChoiceError(ValueError):
    """A malformed ``--llm`` string; the message is one line that lists the accepted forms."""

    def __init__(self, text: str, why: str) -> None:
        super().__init__(f"bad --llm {text!r}: {why}; accepted: {ACCEPTED_FORMS}")
        self.text = text
        self.why = why


# The union is made from the provider table, so a provider registered there parses, validates and
# serialises everywhere a choice appears.
LLMChoiceModel = Annotated[Union[PROVIDERS], Field(discriminator="provider")]  # type: ignore[valid-type]  # noqa: UP007
_ADAPTER: TypeAdapter[ProviderChoice] = TypeAdapter(LLMChoiceModel)


def parse_llm_choice(text: str) -> ProviderChoice:
    """Parse one ``--llm`` string.

    Raises:
        LLMChoiceError: The string matches none of the accepted forms, or a part of it is invalid.
    """
    text = text.strip()
    if not text:
        raise LLMChoiceError(text, "it is empty")
    provider, colon, argument = text.partition(":")
    choice = _BY_NAME.get(provider)
    if choice is None:
        raise LLMChoiceError(text, f"unknown provider {provider!r}")
    if not choice.takes_argument:
        if colon:
            raise LLMChoiceError(text, f"'{provider}' takes no argument")
        fields = {}
    elif not argument:
        raise LLMChoiceError(text, f"'{provider}' needs a model after a colon")
    else:
        try:
            fields = choice.argument_fields(argument)
        except ArgumentError as error:
            raise LLMChoiceError(text, str(error)) from None
    try:
        return _ADAPTER.validate_python({"provider": provider, **fields})
    except ValidationError as error:
        raise LLMChoiceError(text, _first_message(error)) from None


def _first_message(error: ValidationError) -> str:
    return str(error.errors()[0].get("msg", error)).removeprefix("Value error, ")


def _coerce(value: object) -> object:
    return parse_llm_choice(value) if isinstance(value, str) else value


LLMChoice = Annotated[
    LLMChoiceModel, BeforeValidator(_coerce), PlainSerializer(lambda choice: choice.text, return_type=str)
]
"""A choice as a pydantic field: validates from the ``--llm`` string (or a dict) and serializes back to it."""
