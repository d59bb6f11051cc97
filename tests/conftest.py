"""Fixtures several test packages share."""

from tests.loop.report.finished_run import finished_run

__all__ = ["finished_run"]
