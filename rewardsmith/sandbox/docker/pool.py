"""Warm containers for the jobs that load no training: verification, and re-scoring a saved policy.

Importing torch costs seconds and a verify job about 50 ms, so a warm container's supervisor imports
them once and forks a child per job (``supervisor serve``). The host hands it a job through a
read-only requests directory and takes the job's result and declared files back from a per-job
output directory, both on the host (see :func:`~rewardsmith.sandbox.outcome.collect`). A container is
thrown away after any failure or timeout, and one is started again in the background.
"""

from __future__ import annotations

import contextlib
import queue
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rewardsmith.sandbox.docker.client import DockerUnavailableError
from rewardsmith.sandbox.docker.containers import HOST_MARGIN_S, discard, ending_of, output_tail, read_report, stop
from rewardsmith.sandbox.docker.grants import let_job_write
from rewardsmith.sandbox.docker.image import PYTHON
from rewardsmith.sandbox.docker.options import Mounts, container_options, task_mounts
from rewardsmith.sandbox.docker.ownership import HEARTBEAT_INTERVAL_S, beat
from rewardsmith.sandbox.exchange import read_log_tail
from rewardsmith.sandbox.outcome import Ending, Execution, collect
from rewardsmith.sandbox.schema import RescoreJob, SandboxJob, SandboxLimits, VerifyJob
from rewardsmith.sandbox.supervisor import HEARTBEAT_FILE, JOB_LOG, JobRequest, SupervisorReady

# A warm container holds the worker (torch imported) beside the job it forks.
_WORKER_HEADROOM_MB = 1024
#: How often a job's wait looks whether the run is being interrupted.
_STOP_POLL_S = 0.25
_READY_TIMEOUT_S = 120.0
# A warm container is replaced after this many jobs, however well they went.
_MAX_JOBS_PER_CONTAINER = 500


@dataclass
class WarmContainer:
    """One warm container, its exchange directories on the host, and the worker's lines."""

    container: Any
    scratch: Path
    lines: queue.Queue[bytes | None] = field(default_factory=queue.Queue)
    seq: int = 0

    @property
    def requests(self) -> Path:
        return self.scratch / "requests"

    @property
    def outputs(self) -> Path:
        return self.scratch / "out"

    def next_line(self, timeout_s: float) -> bytes | None:
        """The worker's next line, or None when it ended or said nothing in time."""
        try:
            return self.lines.get(timeout=max(timeout_s, 0.0))
        except queue.Empty:
            return None


class WarmPool:
    """Idle warm containers by the limits they enforce, and the jobs run in them; safe to call from several threads.

    Args:
        client: A ``docker.DockerClient``.
        image: The image to run.
        pool_size: Idle containers kept per set of limits.
        grace_s: Seconds between SIGTERM and SIGKILL when a job runs out of time.
        scratch_root: Where the containers' exchange directories go; the system temp dir by default.
    """

    def __init__(self, client: Any, image: str, pool_size: int, grace_s: float, scratch_root: Path | None) -> None:
        self._client = client
        self._image = image
        self._pool_size = pool_size
        self._grace_s = grace_s
        self._scratch_root = scratch_root
        self._lock = threading.Lock()
        # Idle containers by the limits a container enforces; jobs differing only in wall time share them.
        self._idle: dict[tuple[object, ...], list[WarmContainer]] = {}
        self._busy: set[int] = set()
        self._all: dict[int, WarmContainer] = {}
        self._refills: list[threading.Thread] = []
        self._closed = False
        self._heartbeat = threading.Thread(target=self._beat, daemon=True)
        self._heartbeat.start()

    def warm(self, limits: SandboxLimits, count: int, mounts: Mounts) -> None:
        """Start ``count`` containers for jobs with ``limits`` and ``mounts`` now, not on first use."""
        started = [self._start(limits, mounts) for _ in range(count)]
        for warm in started:
            self._release(limits, mounts, warm, keep=True)

    def run(
        self, job: SandboxJob, job_dir: Path, out_dir: Path, stopping: Callable[[], bool] = lambda: False
    ) -> Execution:
        """Run a verify or rescore job in a warm container; see :meth:`rewardsmith.sandbox.Sandbox.execute`."""
        limits = job.limits
        assert isinstance(job.job, VerifyJob | RescoreJob)
        mounts = task_mounts(job.job.task)
        warm = self._acquire(limits, mounts)
        keep = False
        try:
            execution = self._run_in(warm, job, job_dir, out_dir, stopping)
            keep = execution.outcome.ok and not (execution.ending and execution.ending.timed_out)
            return execution
        finally:
            self._release(limits, mounts, warm, keep=keep)

    def close(self) -> None:
        """Stop and remove every container, once the ones being started have started."""
        with self._lock:
            self._closed = True
            refills = list(self._refills)
        # A refill under way would add a container after this; let it finish (it then removes its own).
        for thread in refills:
            thread.join(_READY_TIMEOUT_S + 10)
        with self._lock:
            containers = list(self._all.values())
            self._all.clear()
            self._idle.clear()
        for warm in containers:
            discard(warm.container)
            shutil.rmtree(warm.scratch, ignore_errors=True)

    def _beat(self) -> None:
        """Touch every warm container's heartbeat; a supervisor whose host stops touching it exits."""
        while not self._closed:
            with self._lock:
                containers = list(self._all.values())
            for warm in containers:
                beat(warm.requests / HEARTBEAT_FILE)
            time.sleep(HEARTBEAT_INTERVAL_S)

    def _acquire(self, limits: SandboxLimits, mounts: Mounts) -> WarmContainer:
        with self._lock:
            idle = self._idle.get(_container_key(limits, mounts), [])
            if idle:
                return idle.pop()
        return self._start(limits, mounts)

    def _release(self, limits: SandboxLimits, mounts: Mounts, warm: WarmContainer, *, keep: bool) -> None:
        with self._lock:
            idle = self._idle.setdefault(_container_key(limits, mounts), [])
            if keep and not self._closed and len(idle) < self._pool_size and warm.seq < _MAX_JOBS_PER_CONTAINER:
                idle.append(warm)
                return
            self._all.pop(id(warm), None)
            refill = not keep and not self._closed and not idle
        discard(warm.container)
        shutil.rmtree(warm.scratch, ignore_errors=True)
        if refill:
            # The next verify job should find a warm container, not wait seconds for torch to import.
            thread = threading.Thread(target=self._refill, args=(limits, mounts), daemon=True)
            with self._lock:
                self._refills = [*(alive for alive in self._refills if alive.is_alive()), thread]
            thread.start()

    def _refill(self, limits: SandboxLimits, mounts: Mounts) -> None:
        with contextlib.suppress(Exception):
            self._release(limits, mounts, self._start(limits, mounts), keep=True)

    def _start(self, limits: SandboxLimits, mounts: Mounts) -> WarmContainer:
        if self._closed:
            raise DockerUnavailableError("the docker sandbox was closed")
        if self._scratch_root is not None:
            self._scratch_root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="rewardsmith-warm-", dir=self._scratch_root))
        scratch.chmod(0o755)
        (scratch / "requests").mkdir(mode=0o755)
        (scratch / "requests" / HEARTBEAT_FILE).touch()
        (scratch / "out").mkdir(mode=0o755)
        volumes = {
            str(scratch / "requests"): {"bind": "/requests", "mode": "ro"},
            str(scratch / "out"): {"bind": "/out", "mode": "rw"},
            **mounts,
        }
        container = self._client.containers.create(
            self._image,
            command=[PYTHON, "-m", "rewardsmith.sandbox.supervisor", "serve", "/requests"],
            volumes=volumes,
            **container_options(limits, headroom_mb=_WORKER_HEADROOM_MB),
        )
        warm = WarmContainer(container=container, scratch=scratch)
        with self._lock:
            self._all[id(warm)] = warm
        try:
            container.start()
            threading.Thread(target=_read_lines, args=(container, warm.lines), daemon=True).start()
            line = warm.next_line(_READY_TIMEOUT_S)
            if line is None:
                log = output_tail(container, 2000)
                raise DockerUnavailableError(f"a warm sandbox container did not start in {_READY_TIMEOUT_S:g} s: {log}")
            SupervisorReady.model_validate_json(line)
        except BaseException:
            with self._lock:
                self._all.pop(id(warm), None)
            discard(container)
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return warm

    def _run_in(
        self, warm: WarmContainer, job: SandboxJob, job_dir: Path, out_dir: Path, stopping: Callable[[], bool]
    ) -> Execution:
        warm.seq += 1
        seq = warm.seq
        request_dir = warm.requests / str(seq)
        job_out = warm.outputs / str(seq)
        # The job reads the host's copy: the job directory itself stays outside the container.
        request_dir.mkdir(mode=0o755)
        for name in job.input_files():
            shutil.copyfile(job_dir / name, request_dir / name)
            (request_dir / name).chmod(0o644)
        _remove_tree(job_out)
        job_out.mkdir()
        let_job_write(job_out)
        request = JobRequest(
            seq=seq,
            job_dir=f"/requests/{seq}",
            out_dir=f"/out/{seq}",
            wall_time_s=job.limits.wall_time_s,
            grace_s=self._grace_s,
            heartbeat=f"/requests/{HEARTBEAT_FILE}",
            max_result_bytes=job.limits.max_result_bytes,
        )
        partial = warm.requests / f".{seq}.partial"
        partial.write_text(request.model_dump_json())
        partial.chmod(0o644)
        partial.replace(warm.requests / f"{seq}.json")
        try:
            ending = self._ending(warm, job, stopping)
            # The job wrote to this container's exchange directory: its result and declared files come back.
            outcome = collect(job, ending, job_out, out_dir)
            log_tail = read_log_tail(job_out / JOB_LOG, job.limits.max_log_bytes)
        finally:
            _remove_tree(request_dir)
            _remove_tree(job_out)
            with contextlib.suppress(OSError):
                (warm.requests / f"{seq}.json").unlink()
        return Execution(outcome, ending=ending, log_tail=log_tail)

    def _ending(self, warm: WarmContainer, job: SandboxJob, stopping: Callable[[], bool]) -> Ending:
        deadline = time.monotonic() + job.limits.wall_time_s + self._grace_s + HOST_MARGIN_S
        line = None
        # In short waits, so that an interrupted run stops the container at once; a None line is the
        # worker's end.
        while not stopping() and time.monotonic() < deadline:
            try:
                line = warm.lines.get(timeout=min(_STOP_POLL_S, max(deadline - time.monotonic(), 0.0)))
            except queue.Empty:
                continue
            break
        report = read_report(line) if line is not None else None
        if report is not None and report.seq == warm.seq:
            return ending_of(report)
        # No ending: the worker died (the container's memory limit, most likely) or hangs; either way the
        # container is done for.
        stop(warm.container)
        with contextlib.suppress(Exception):
            warm.container.reload()
            if warm.container.attrs.get("State", {}).get("OOMKilled"):
                return Ending(signal_number=signal.SIGKILL)
        if line is None and time.monotonic() >= deadline:
            return Ending(timed_out=True)
        return Ending(exit_code=None, signal_number=signal.SIGKILL)


def _container_key(limits: SandboxLimits, mounts: Mounts) -> tuple[object, ...]:
    return (limits.memory_mb, limits.threads, limits.file_size_mb, limits.max_log_bytes, repr(sorted(mounts.items())))


def _read_lines(container: Any, lines: queue.Queue[bytes | None]) -> None:
    """Put each line the worker prints into ``lines``; None when its output ends."""
    buffer = b""
    try:
        for chunk in container.attach(stdout=True, stderr=False, stream=True, logs=True):
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for line in complete:
                lines.put(line)
    except Exception:  # a removed container ends its stream with an error; same meaning
        pass
    lines.put(None)


def _remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()
