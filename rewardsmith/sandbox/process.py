"""The ``process`` backend: the runner in a child process under rlimits, and nothing else isolated.

Each job gets a private scratch directory (HOME, TMPDIR, the log), a new session and process group,
a scrubbed environment, and the limits the runner applies to itself before loading any candidate
code. The host watches the wall clock, relays progress, kills the whole group at the end, and settles
the outcome from the exit status and the runner's result.

Limits are applied by the runner rather than in a ``preexec_fn``: ``run`` is called from several
threads at once, and Python code between fork and exec can deadlock in a threaded parent.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import rewardsmith
from rewardsmith.sandbox import failures
from rewardsmith.sandbox.base import ProgressFn, Sandbox
from rewardsmith.sandbox.exchange import read_log_tail
from rewardsmith.sandbox.outcome import Ending, Execution, collect, failed
from rewardsmith.sandbox.progress import ProgressReader
from rewardsmith.sandbox.registry import Backend, OpenOptions
from rewardsmith.sandbox.report import deliver, open_report
from rewardsmith.sandbox.schema import PROGRESS_FILE, SandboxJob, SandboxLimits

_RUNNER = "rewardsmith.sandbox.runner"
# Every process the job starts inherits this variable, even one that leaves the process group.
_TOKEN_VARIABLE = "REWARDSMITH_SANDBOX_TOKEN"
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# The only variables passed through: no credentials, proxies or tokens of the host reach the job.
_PASSED_VARIABLES = ("PATH", "LANG", "CUDA_VISIBLE_DEVICES")
_PACKAGE_ROOT = Path(rewardsmith.__file__).resolve().parent.parent
_GONE_TIMEOUT_S = 2.0


class ProcessSandbox(Sandbox):
    """Runs jobs as local child processes with resource limits; safe to call from several threads.

    Args:
        scratch_root: Where each job's private scratch directory is made; the system temp dir by default.
        term_grace_s: Seconds between SIGTERM and SIGKILL when a job runs out of time; the runner uses
            them to report where it was stopped.
        poll_interval_s: How often the host checks the process and the progress file.
    """

    name = "process"
    isolation = (
        "A child process in its own session with limits on address space, CPU time, file size and core dumps, "
        "a scrubbed environment, and a kill of its whole process group at the wall-clock limit; it does not "
        "isolate the filesystem, the network or the user's other processes, so reward code can read, write and "
        "reach whatever this user can."
    )

    def __init__(
        self, *, scratch_root: Path | None = None, term_grace_s: float = 2.0, poll_interval_s: float = 0.1
    ) -> None:
        self._scratch_root = scratch_root
        self._term_grace_s = term_grace_s
        self._poll_interval_s = poll_interval_s

    def execute(self, job: SandboxJob, job_dir: Path, out_dir: Path, on_progress: ProgressFn | None) -> Execution:
        """Run ``job`` in a child process; see :meth:`rewardsmith.sandbox.Sandbox.execute`."""
        started = time.monotonic()
        if self._scratch_root is not None:
            self._scratch_root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f"rewardsmith-{job.id[:40]}-", dir=self._scratch_root))
        token = secrets.token_hex(16)
        try:
            return self._run(job, job_dir, out_dir, scratch, token, on_progress, started)
        finally:
            _end_strays(token)
            shutil.rmtree(scratch, ignore_errors=True)

    def _run(
        self,
        job: SandboxJob,
        job_dir: Path,
        out_dir: Path,
        scratch: Path,
        token: str,
        on_progress: ProgressFn | None,
        started: float,
    ) -> Execution:
        home, tmp, log_path = scratch / "home", scratch / "tmp", scratch / "job.log"
        home.mkdir()
        tmp.mkdir()
        report = open_report()
        try:
            try:
                # Output goes to a file, not a pipe: a pipe nobody drains would block the job when it fills.
                with log_path.open("ab") as log:
                    process = subprocess.Popen(
                        self._command(job, job_dir, out_dir, home, tmp, token, report),
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=log,
                        cwd=tmp,
                        env=_environment(job.limits, home, tmp, token),
                        start_new_session=True,
                        pass_fds=(report,),
                    )
            except OSError as error:
                return Execution(
                    failed(job, failures.sandbox_error(f"the runner could not be started ({error.strerror or error})."))
                )
            ending = self._wait(process, job.limits, ProgressReader(out_dir / PROGRESS_FILE, on_progress), started)
            # The result is written only once nothing of the job is left that could write over it.
            _end_strays(token)
            deliver(report, out_dir, job.limits.max_result_bytes)
        finally:
            os.close(report)
        return Execution(
            collect(job, ending, out_dir, out_dir),
            ending=ending,
            pid=process.pid,
            log_tail=read_log_tail(log_path, job.limits.max_log_bytes),
        )

    def _command(
        self, job: SandboxJob, job_dir: Path, out_dir: Path, home: Path, tmp: Path, token: str, report: int
    ) -> list[str]:
        """The job's command line; a backend that wraps the runner (in a container, say) overrides this.

        It runs in ``tmp`` with the environment of :func:`_environment` (``home``, ``tmp``, ``token``), in a
        new session whose process group the host signals at the wall-clock limit, with the descriptor
        ``report`` open for the runner's report.
        """
        return [sys.executable, "-m", _RUNNER, str(job_dir), str(out_dir), str(report)]

    def _exit_status(self, exit_code: int | None, signal_number: int | None) -> tuple[int | None, int | None]:
        """The runner's ``(exit code, signal)`` from its command's; a wrapper that reports a signal as an exit
        code translates it back here."""
        return exit_code, signal_number

    def _wait(
        self, process: subprocess.Popen[bytes], limits: SandboxLimits, progress: ProgressReader, started: float
    ) -> Ending:
        """Wait for the job to end or run out of time, relaying progress; nothing of it outlives this call."""
        pid = process.pid
        deadline = started + limits.wall_time_s
        timed_out = False
        try:
            while not _has_exited(pid):
                progress.poll()
                now = time.monotonic()
                if self.stopping:
                    # The run is being interrupted: the finally below kills the job's whole group.
                    break
                if now >= deadline:
                    timed_out = True
                    _signal_group(pid, signal.SIGTERM)
                    grace_end = now + self._term_grace_s
                    while not _has_exited(pid) and time.monotonic() < grace_end:
                        time.sleep(self._poll_interval_s)
                    break
                time.sleep(min(self._poll_interval_s, deadline - now))
        finally:
            # The leader is a zombie or still running, so its group id cannot have been reused yet: kill
            # whatever the job left in its group before reaping. Also runs when on_progress raised.
            _signal_group(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            _wait_until_gone(lambda: os.killpg(pid, 0))
        progress.poll()
        exit_code, signal_number = self._exit_status(
            os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        )
        return Ending(
            exit_code=exit_code,
            signal_number=signal_number,
            timed_out=timed_out,
            cpu_time_s=usage.ru_utime + usage.ru_stime,
            max_rss_mb=usage.ru_maxrss / 1024,  # ru_maxrss is in KiB on Linux
        )


def _open(options: OpenOptions) -> ProcessSandbox:
    # The caller warns (once, with what it found): see rewardsmith.api.
    return ProcessSandbox()


BACKEND = Backend(
    name="none",
    aliases=("process",),
    description="a plain process with resource limits only: no isolation",
    open=_open,
    asked="asked for with --sandbox none: no isolation beyond resource limits",
)


def _environment(limits: SandboxLimits, home: Path, tmp: Path, token: str) -> dict[str, str]:
    env = {name: os.environ[name] for name in _PASSED_VARIABLES if name in os.environ}
    env.setdefault("PATH", os.defpath)
    env.setdefault("LANG", "C.UTF-8")
    env.update(dict.fromkeys(_THREAD_VARIABLES, str(limits.threads)))
    env.update(
        {
            "HOME": str(home),
            "TMPDIR": str(tmp),
            # The runner must import this very rewardsmith, installed or not.
            "PYTHONPATH": str(_PACKAGE_ROOT),
            # Not the working directory: that is the job's scratch, where reward code can write modules.
            "PYTHONSAFEPATH": "1",
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            # What a job printed before it crashed still reaches the log.
            "PYTHONUNBUFFERED": "1",
            _TOKEN_VARIABLE: token,
        }
    )
    return env


def _has_exited(pid: int) -> bool:
    # WNOWAIT leaves the child a zombie, so its pid and group id stay reserved until it is reaped.
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _end_strays(token: str) -> None:
    """Kill the job's processes that left its process group (``setsid``), found by the job's token."""
    proc = Path("/proc")
    if not proc.is_dir():
        return
    marker = f"{_TOKEN_VARIABLE}={token}".encode()
    strays = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            strays.append(int(entry.name))
    for pid in strays:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    for pid in strays:
        _wait_until_gone(lambda pid=pid: os.kill(pid, 0))


def _wait_until_gone(probe: Callable[[], None]) -> None:
    """Poll ``probe()``, a signal-0 kill, until it finds no process, for a short while."""
    deadline = time.monotonic() + _GONE_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            probe()
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.01)
