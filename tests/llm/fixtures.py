"""Fixtures for the LLM agents' tests of every family: the scripted server, and a run's call log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rewardsmith.llm import CallLog
from tests.llm.scripted_server import ScriptedServer


@pytest.fixture
def llm_server() -> Iterator[ScriptedServer]:
    """The scripted OpenAI-compatible server, for the LLM agents' tests."""
    with ScriptedServer() as scripted:
        yield scripted


@pytest.fixture
def call_log(tmp_path: Path) -> CallLog:
    return CallLog(tmp_path / "run")
