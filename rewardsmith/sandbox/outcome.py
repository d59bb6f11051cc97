"""Settle a job's outcome from how its process ended and what it left behind (host side, any backend).

The rule: ``result.json`` is read only when the runner exited with status 0, which it does right after
writing it. After a kill, a crash or another exit code, any file there may be the candidate's, so the
outcome comes from the ending alone. A job the host timed out is a timeout, unless its runner finished
in the grace period or reported the timeout itself.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from pathlib import Path

from rewardsmith.sandbox import failures
from rewardsmith.sandbox.artefacts import bring_back, check_declared
from rewardsmith.sandbox.exchange import read_result
from rewardsmith.sandbox.failures import signal_name
from rewardsmith.sandbox.schema import EXIT_REPORTED, Failure, RunnerResult, SandboxJob, SandboxResult


@dataclass(frozen=True, slots=True)
class Ending:
    """How a job's main process ended, as the host (or a container's supervisor) saw it."""

    exit_code: int | None = None
    signal_number: int | None = None
    timed_out: bool = False
    cpu_time_s: float | None = None
    max_rss_mb: float | None = None

    @property
    def reported(self) -> bool:
        """Whether the runner exited right after writing its result, the one ending that makes it readable."""
        return self.signal_number is None and self.exit_code == EXIT_REPORTED

    def settle(self, job: SandboxJob, out_dir: Path) -> RunnerResult:
        """:func:`settle` for this ending."""
        return settle(
            job,
            out_dir,
            exit_code=self.exit_code,
            signal_number=self.signal_number,
            timed_out=self.timed_out,
            cpu_time_s=self.cpu_time_s,
        )


@dataclass(frozen=True, slots=True)
class Execution:
    """One job as a backend ran it: the settled outcome, and what the host saw of its process."""

    outcome: RunnerResult
    ending: Ending | None = None
    """How its main process ended; None when it never started."""
    log_tail: str = ""
    """The end of its output, already cleaned and capped."""
    pid: int | None = None
    """Host PID of its main process, where there is one."""


def collect(job: SandboxJob, ending: Ending, results_dir: Path, out_dir: Path) -> RunnerResult:
    """Settle a job that ended, and make sure the files its result declares are under ``out_dir``.

    Args:
        job: The job.
        ending: How its runner ended.
        results_dir: Where the runner wrote: ``out_dir`` itself for a backend that mounts it, else the
            backend's exchange directory (a warm container's), from which ``result.json`` and the declared
            artefacts are copied, nothing else.
        out_dir: The job's output directory on the host.

    Returns:
        The outcome (see :func:`settle`); a success whose declared files are not all there is an
        ``invalid_result`` failure.
    """
    outcome = ending.settle(job, results_dir)
    if results_dir != out_dir and ending.reported:
        bring_back(job, outcome, results_dir, out_dir)
    return check_declared(job, outcome, out_dir)


def failed(job: SandboxJob, failure: Failure) -> RunnerResult:
    """The outcome of ``job`` when it failed before or without a result of its own."""
    return RunnerResult(job_id=job.id, ok=False, failure=failure)


def sandbox_result(execution: Execution, *, backend: str, started: float) -> SandboxResult:
    """The :class:`SandboxResult` a backend returns: the settled outcome plus what the host saw of the job.

    Args:
        execution: The job as the backend ran it.
        backend: The backend's name.
        started: ``time.monotonic()`` when the job was asked for.
    """
    outcome, ending = execution.outcome, execution.ending or Ending()
    return SandboxResult(
        **{name: getattr(outcome, name) for name in RunnerResult.model_fields},
        wall_time_s=time.monotonic() - started,
        cpu_time_s=ending.cpu_time_s,
        max_rss_mb=ending.max_rss_mb,
        exit_code=ending.exit_code,
        signal=signal_name(ending.signal_number) if ending.signal_number is not None else None,
        pid=execution.pid,
        log_tail=execution.log_tail,
        backend=backend,
    )


def settle(
    job: SandboxJob,
    out_dir: Path,
    *,
    exit_code: int | None,
    signal_number: int | None,
    timed_out: bool,
    cpu_time_s: float | None = None,
) -> RunnerResult:
    """Decide what happened to a job.

    Args:
        job: The job.
        out_dir: Its output directory.
        exit_code: The main process's exit code; None when a signal ended it.
        signal_number: The signal that ended it, if any.
        timed_out: The host stopped it at the wall-clock limit.
        cpu_time_s: CPU seconds it used, when known; tells the CPU limit's SIGKILL from the OOM killer's.

    Returns:
        The runner's validated result when it reported; otherwise a failure describing the ending.
    """
    if signal_number is None and exit_code == EXIT_REPORTED:
        reported = read_result(out_dir, job)
        if isinstance(reported, Failure):
            if not timed_out:
                return failed(job, reported)
        elif not timed_out or reported.ok or (reported.failure is not None and reported.failure.kind == "timeout"):
            # Stopped at the limit, the runner reports the timeout itself, naming the reward line it was at;
            # any other verdict after the host timed the job out is overruled below.
            return reported
    if timed_out:
        return failed(job, failures.timeout(job.job.kind, job.limits.wall_time_s))
    if signal_number is not None:
        cpu_limit = job.limits.effective_cpu_time_s
        if signal_number == signal.SIGKILL and cpu_time_s is not None and cpu_time_s >= cpu_limit:
            return failed(job, failures.timeout(job.job.kind, cpu_limit, cpu=True))
        return failed(job, failures.killed_by_signal(signal_number, job.limits))
    return failed(job, failures.exited(exit_code if exit_code is not None else -1))
