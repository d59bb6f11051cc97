"""Fixtures several test packages share."""

from tests.llm.fixtures import call_log, llm_server
from tests.loop.report.finished_run import finished_run

__all__ = ["call_log", "finished_run", "llm_server"]
