"""Fixtures of the provider tests: a scripted chat server and fast retries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rewardsmith.llm.retry import RetryPolicy
from tests.llm.scripted_server import ScriptedServer


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as scripted:
        yield scripted


@pytest.fixture
def fast_retry() -> RetryPolicy:
    """Three attempts with millisecond waits, so retry tests take no time."""
    return RetryPolicy(attempts=3, base_delay_s=0.001, max_delay_s=0.01, max_retry_after_s=0.05)
