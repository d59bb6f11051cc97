"""What the host does to a container it started: stop it, remove it, and read what its supervisor said.

The supervisor, PID 1 of every container, reports how each job ended as one JSON line on its stdout
(:class:`~rewardsmith.sandbox.supervisor.JobEnding`); the job's own output goes to its log file.
"""

from __future__ import annotations

import contextlib
from typing import Any

from rewardsmith.sandbox.outcome import Ending
from rewardsmith.sandbox.schema import EXIT_REPORTED, clean_text
from rewardsmith.sandbox.supervisor import JobEnding

#: Container start and interpreter start-up come before the supervisor's clock; the host allows for them.
HOST_MARGIN_S = 15.0
# Exit statuses of the runner; any other status at or above 128 is 128 plus a signal's number.
_RUNNER_EXITS = (EXIT_REPORTED, 2, 70)
_SIGNAL_BASE = 128


def stop(container: Any) -> None:
    """Kill the container's processes; one already gone is no error."""
    with contextlib.suppress(Exception):
        container.kill()


def discard(container: Any) -> None:
    """Remove the container, running or not; one already gone is no error."""
    with contextlib.suppress(Exception):
        container.remove(force=True)


def read_report(line: bytes) -> JobEnding | None:
    """The supervisor's ending report in one line of its output, or None when the line is not one."""
    try:
        return JobEnding.model_validate_json(line)
    except ValueError:
        return None


def ending_of(report: JobEnding) -> Ending:
    """The host's :class:`~rewardsmith.sandbox.outcome.Ending` for a supervisor's report."""
    return Ending(
        exit_code=report.exit_code,
        signal_number=report.signal_number,
        timed_out=report.timed_out,
        cpu_time_s=report.cpu_time_s,
        max_rss_mb=report.max_rss_mb,
    )


def last_ending(container: Any) -> Ending | None:
    """The supervisor's last report in the container's output, if it made one."""
    try:
        output = container.logs(stdout=True, stderr=False, tail=5)
    except Exception:  # a container already gone has no report
        return None
    for line in reversed(output.splitlines()):
        report = read_report(line)
        if report is not None:
            return ending_of(report)
    return None


def split_status(code: int) -> tuple[int | None, int | None]:
    """(exit code, signal) from a container's status, where a death by signal N shows as 128 + N."""
    if code in _RUNNER_EXITS or code < _SIGNAL_BASE or code > _SIGNAL_BASE + 64:
        return code, None
    return None, code - _SIGNAL_BASE


def output_tail(container: Any, limit: int) -> str:
    """The end of the container's own output, cleaned; empty when it cannot be read."""
    try:
        data = container.logs(stdout=True, stderr=True, tail=200)
    except Exception:  # the log is a courtesy; a container already gone has none
        return ""
    return clean_text(data[-limit:].decode("utf-8", errors="replace"), limit)
