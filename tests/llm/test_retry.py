"""The retry layer: what it retries, how long it waits, and how many attempts it makes."""

from __future__ import annotations

import random

import pytest

from rewardsmith.llm.base import LLMCallError
from rewardsmith.llm.retry import RetryPolicy, call_with_retries


class Flaky:
    """Fails with the given errors in turn, then answers."""

    def __init__(self, *errors: LLMCallError) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "answer"


def test_transient_failures_are_retried_with_growing_waits() -> None:
    waits: list[float] = []
    policy = RetryPolicy(attempts=4, base_delay_s=1.0, max_delay_s=100.0, jitter=0.5)
    attempt = Flaky(*(LLMCallError(kind, "x") for kind in ("server_error", "timeout", "connection")))

    value, attempts = call_with_retries(attempt, policy, sleep=waits.append, rng=random.Random(0))

    assert (value, attempts, attempt.calls) == ("answer", 4, 4)
    for retry, wait in enumerate(waits, start=1):
        assert 0.5 * 2 ** (retry - 1) <= wait <= 2 ** (retry - 1)


def test_waits_are_capped_and_jittered() -> None:
    policy = RetryPolicy(base_delay_s=10.0, max_delay_s=15.0, jitter=0.5)
    waits = {policy.delay_s(8, None, random.Random(seed)) for seed in range(5)}

    assert all(7.5 <= wait <= 15.0 for wait in waits)
    assert len(waits) > 1


def test_retry_after_is_honoured_and_capped() -> None:
    waits: list[float] = []
    policy = RetryPolicy(attempts=3, base_delay_s=5.0, max_retry_after_s=2.0)
    attempt = Flaky(
        LLMCallError("rate_limited", "slow down", retry_after_s=0.25),
        LLMCallError("rate_limited", "slow down", retry_after_s=600),
    )

    call_with_retries(attempt, policy, sleep=waits.append)

    assert waits == [0.25, 2.0]


@pytest.mark.parametrize("kind", ["rejected", "bad_response"])
def test_permanent_failures_fail_at_once(kind: str) -> None:
    waits: list[float] = []
    attempt = Flaky(LLMCallError(kind, "no"))  # type: ignore[arg-type]

    with pytest.raises(LLMCallError) as caught:
        call_with_retries(attempt, RetryPolicy(attempts=5), sleep=waits.append)

    assert (attempt.calls, caught.value.attempts, waits) == (1, 1, [])


def test_the_last_failure_is_raised_with_the_attempt_count() -> None:
    attempt = Flaky(*(LLMCallError("server_error", f"boom {i}") for i in range(10)))

    with pytest.raises(LLMCallError) as caught:
        call_with_retries(attempt, RetryPolicy(attempts=3, base_delay_s=0), sleep=lambda _: None)

    assert attempt.calls == 3
    assert caught.value.attempts == 3
    assert str(caught.value) == "server_error: boom 2 (after 3 attempts)"


def test_one_attempt_means_no_retry() -> None:
    attempt = Flaky(LLMCallError("rate_limited", "x"))
    with pytest.raises(LLMCallError):
        call_with_retries(attempt, RetryPolicy(attempts=1), sleep=lambda _: None)
    assert attempt.calls == 1
