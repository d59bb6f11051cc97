"""List prices of the hosted models this project knows, to put a cost on recorded calls.

Only models reached through the ``openai`` provider are priced: a compatible server's model may
share a name but not a price, and local models cost compute, not money. Prices drift; a model not
in the table gets no cost rather than a guess.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict


class Price(BaseModel):
    model_config = ConfigDict(frozen=True)

    input_per_mtok: float
    output_per_mtok: float

    def cost_usd(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_per_mtok + completion_tokens * self.output_per_mtok) / 1_000_000


# USD per million tokens, standard tier, uncached input.
PRICES: dict[str, Price] = {
    "openai:gpt-4o": Price(input_per_mtok=2.50, output_per_mtok=10.00),
    "openai:gpt-4o-mini": Price(input_per_mtok=0.15, output_per_mtok=0.60),
    "openai:gpt-4.1": Price(input_per_mtok=2.00, output_per_mtok=8.00),
    "openai:gpt-4.1-mini": Price(input_per_mtok=0.40, output_per_mtok=1.60),
    "openai:gpt-4.1-nano": Price(input_per_mtok=0.10, output_per_mtok=0.40),
    "openai:o3-mini": Price(input_per_mtok=1.10, output_per_mtok=4.40),
    "openai:o4-mini": Price(input_per_mtok=1.10, output_per_mtok=4.40),
    "openai:gpt-5": Price(input_per_mtok=1.25, output_per_mtok=10.00),
    "openai:gpt-5-mini": Price(input_per_mtok=0.25, output_per_mtok=2.00),
    "openai:gpt-5-nano": Price(input_per_mtok=0.05, output_per_mtok=0.40),
}

_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def price_of(model_name: str) -> Price | None:
    """The price of a model by its ``--llm`` name; a dated snapshot ('gpt-4o-2024-08-06') costs as its family."""
    return PRICES.get(model_name) or PRICES.get(_SNAPSHOT.sub("", model_name))


def cost_usd(model_name: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    price = price_of(model_name)
    return None if price is None else price.cost_usd(prompt_tokens, completion_tokens)
