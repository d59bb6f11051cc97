"""What every sandbox backend is: the steps all of them take around a job, and the one each does its own way.

:meth:`Sandbox.run` checks the job directory, prepares the output directory, and turns what the backend
saw into a :class:`~rewardsmith.sandbox.schema.SandboxResult`; a backend implements
:meth:`Sandbox.execute`, which starts the runner, waits for it, and settles the outcome with
:func:`~rewardsmith.sandbox.outcome.collect`.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

from rewardsmith.sandbox.exchange import check_job_dir
from rewardsmith.sandbox.files import remove_path
from rewardsmith.sandbox.outcome import Execution, failed, sandbox_result
from rewardsmith.sandbox.schema import PROGRESS_FILE, RESULT_FILE, Failure, SandboxJob, SandboxResult

ProgressFn = Callable[[int, int], None]
"""Called as ``on_progress(steps_done, steps_total)`` while a train job runs."""

# Guards the lazy creation of each sandbox's stop state, which backends' constructors do not call.
_STATE_LOCK = threading.Lock()


class SandboxStoppedError(RuntimeError):
    """The sandbox was stopped (the run is being interrupted) before or while the job ran: it has no result,
    and nothing about it should be recorded."""


class _StopState:
    def __init__(self) -> None:
        self.stopped = threading.Event()
        self.idle = threading.Condition()
        self.running = 0


class Sandbox(ABC):
    """Runs one job's trusted runner on untrusted reward code, under limits.

    ``run`` may be called from several threads at once; each call owns its job and output directories.
    """

    name: str
    """The backend's name, e.g. ``"process"``."""
    isolation: str
    """One sentence: what this backend isolates, and what it does not."""

    def run(
        self,
        job: SandboxJob,
        job_dir: Path,
        out_dir: Path,
        on_progress: ProgressFn | None = None,
    ) -> SandboxResult:
        """Run ``job`` and return its :class:`~rewardsmith.sandbox.schema.SandboxResult`.

        Args:
            job: The job; must be the one in ``job_dir/job.json`` (see :func:`prepare_job`).
            job_dir: Holds ``job.json`` and the reward file; the job only reads it.
            out_dir: Receives ``result.json``, ``progress.jsonl`` and training artefacts. When the result
                is a success, every file its output declares is there (see :mod:`~rewardsmith.sandbox.artefacts`).
            on_progress: Called with ``(steps_done, steps_total)`` after each PPO update of a train
                job. If it raises, the job is killed and the exception propagates.

        Returns:
            The result. Failures of the job, the reward or the sandbox are results, not exceptions.
        """
        state = self._stop_state()
        with state.idle:
            if state.stopped.is_set():
                raise SandboxStoppedError(f"the sandbox is stopped; job {job.id} was not started")
            state.running += 1
        try:
            started = time.monotonic()
            mismatch = begin_job(job, job_dir, out_dir)
            if mismatch is not None:
                execution = Execution(failed(job, mismatch))
            else:
                execution = self.execute(job, job_dir.resolve(), out_dir.resolve(), on_progress)
            result = sandbox_result(execution, backend=self.name, started=started)
            # A job that failed once the stop came was ended by it: its failure says nothing of the reward.
            if state.stopped.is_set() and not result.ok:
                raise SandboxStoppedError(f"job {job.id} was ended by the sandbox's stop")
            return result
        finally:
            with state.idle:
                state.running -= 1
                state.idle.notify_all()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called; backends end the jobs they wait on when it is."""
        return self._stop_state().stopped.is_set()

    def stop(self) -> None:
        """Start no job from now on, and end the running ones (their ``run`` raises :class:`SandboxStoppedError`).

        Safe to call from a signal handler's thread of control: it only sets a flag that the backends'
        wait loops poll.
        """
        self._stop_state().stopped.set()

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no job is running, at most ``timeout_s``; True when none is."""
        state = self._stop_state()
        deadline = time.monotonic() + timeout_s
        with state.idle:
            while state.running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                state.idle.wait(left)
        return True

    def _stop_state(self) -> _StopState:
        state = self.__dict__.get("_stop")
        if state is None:
            with _STATE_LOCK:
                state = self.__dict__.setdefault("_stop", _StopState())
        return state

    @abstractmethod
    def execute(self, job: SandboxJob, job_dir: Path, out_dir: Path, on_progress: ProgressFn | None) -> Execution:
        """The backend's own step of :meth:`run`, which calls it; arguments as there, the directories absolute.

        ``job_dir`` holds ``job``, and ``out_dir`` exists without a result or progress of an earlier run.
        Run the runner on them, wait for it within the job's limits, and settle the outcome with
        :func:`~rewardsmith.sandbox.outcome.collect`, which also brings back the declared artefacts of a
        runner that wrote elsewhere. A job that cannot start is a failed outcome, not an exception.
        """

    def close(self) -> None:  # noqa: B027 - a backend that holds nothing has nothing to release
        """Release what the backend holds (warm containers); nothing by default."""


def begin_job(job: SandboxJob, job_dir: Path, out_dir: Path) -> Failure | None:
    """A job's first step: check ``job_dir`` holds ``job``, make ``out_dir``, clear what a run left there.

    Returns:
        The failure to report when the job directory is wrong; None when the job can start.
    """
    mismatch = check_job_dir(job, job_dir)
    if mismatch is not None:
        return mismatch
    out_dir.mkdir(parents=True, exist_ok=True)
    # A result or progress left from an earlier run would be read as this one's.
    for stale in (out_dir / RESULT_FILE, out_dir / PROGRESS_FILE):
        remove_path(stale)
    return None
