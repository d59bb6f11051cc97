"""The one retry layer of LLM calls: exponential backoff with jitter on transient failures.

Providers make exactly one attempt per call of theirs (the openai client runs with
``max_retries=0``) and this layer repeats it. Nothing above should retry LLM calls again (no graph
node retry policy on them), or the loops multiply.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.llm.base import LLMCallError

T = TypeVar("T")


class RetryPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    attempts: int = Field(default=5, ge=1, le=20, description="Attempts in all, the first one included.")
    base_delay_s: float = Field(default=1.0, ge=0.0, description="Wait before the second attempt, before jitter.")
    max_delay_s: float = Field(default=30.0, ge=0.0, description="Cap of the exponential wait.")
    max_retry_after_s: float = Field(
        default=60.0, ge=0.0, description="Cap of a server's Retry-After, so one header cannot stall a run."
    )
    jitter: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Fraction of each wait drawn at random, so callers spread out."
    )

    def delay_s(self, retry: int, retry_after_s: float | None, rng: random.Random) -> float:
        """The wait before retry number ``retry`` (1 = the second attempt)."""
        if retry_after_s is not None and retry_after_s >= 0:
            return min(retry_after_s, self.max_retry_after_s)
        backoff = min(self.max_delay_s, self.base_delay_s * 2 ** (retry - 1))
        return backoff * (1.0 - self.jitter * rng.random())


def call_with_retries(
    attempt: Callable[[], T],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> tuple[T, int]:
    """Run ``attempt`` until it returns, retrying retryable ``LLMCallError``s; returns the value and
    the number of attempts it took.

    Raises:
        LLMCallError: A non-retryable failure at once, or the last failure once the attempts are spent,
            with ``attempts`` set to how many were made.
    """
    rng = rng or random.Random()
    for number in range(1, policy.attempts + 1):
        try:
            return attempt(), number
        except LLMCallError as error:
            error.attempts = number
            if not error.retryable or number == policy.attempts:
                raise
            sleep(policy.delay_s(number, error.retry_after_s, rng))
    raise AssertionError("unreachable: the loop returns or raises")
