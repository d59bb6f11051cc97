"""The ``docker`` backend: each job in a hardened container, through the Docker SDK.

Every container runs with no network, a read-only root, a size-limited ``/tmp``, uid 65534, no
capabilities, no-new-privileges, and limits on pids, memory (swap included), CPU, open files, file
size and core dumps. Nothing of the host's environment goes in. The job directory is mounted
read-only, the output directory read-write; that is all the container sees of the host.

The wall-clock limit is enforced twice. Inside, the container's PID 1 is the trusted
:mod:`~rewardsmith.sandbox.supervisor`, which stops the job at its limit even if this host dies (it
does what ``timeout -k`` would, without forwarding a job's own signals back to it as a fake timeout).
Outside, the host kills and removes a container that outlives the limit; ``docker exec`` forwards no
kill, so nothing here relies on exec.

* **Train jobs** (and probes) get a fresh container each. On a GPU job it gets the GPUs through
  ``device_requests``, and a larger ``/dev/shm``.
* **Verify jobs** go to warm containers, whose supervisor imports torch once and forks a child per
  job; a container is thrown away after any failure or timeout.

The host reads only ``result.json``, capped and validated, and the capped log; see ``base.py``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rewardsmith.sandbox.base import ProgressFn, Sandbox
from rewardsmith.sandbox.exchange import read_log_tail
from rewardsmith.sandbox.image import LABEL, PYTHON, docker_socket_hint, ensure_image
from rewardsmith.sandbox.outcome import Ending, Execution, collect
from rewardsmith.sandbox.outputs import JobKind
from rewardsmith.sandbox.progress import ProgressReader
from rewardsmith.sandbox.schema import (
    EXIT_REPORTED,
    PROGRESS_FILE,
    RescoreJob,
    SandboxJob,
    SandboxLimits,
    TrainJob,
    VerifyJob,
    clean_text,
)
from rewardsmith.sandbox.supervisor import HEARTBEAT_FILE, JOB_LOG, JobEnding, JobRequest, SupervisorReady

#: Names an image to use instead of building this host's (e.g. one made from deploy/Dockerfile).
IMAGE_VARIABLE = "REWARDSMITH_SANDBOX_IMAGE"
#: The job's uid and gid inside every container.
JOB_UID = 65534
#: Labels on every container this backend starts: what it is, and which host process owns it.
OWNER_LABEL = "io.rewardsmith.owner"
# Exit statuses of the runner; any other status at or above 128 is 128 plus a signal's number.
_RUNNER_EXITS = (EXIT_REPORTED, 2, 70)
_SIGNAL_BASE = 128
_PIDS_LIMIT = 256  # torch's threads count too
_OPEN_FILES = 1024
_TMPFS_MB = 256
_GPU_SHM = "2g"
# A warm container holds the worker (torch imported) beside the job it forks.
_WORKER_HEADROOM_MB = 1024
# Container start and interpreter start-up are outside the inner `timeout`; the host allows for them.
_HOST_MARGIN_S = 15.0
_READY_TIMEOUT_S = 120.0
_WAIT_POLL_S = 0.25
_HEARTBEAT_INTERVAL_S = 2.0
# A warm container is replaced after this many jobs, however well they went.
_MAX_JOBS_PER_CONTAINER = 500
# Jobs that load no training run go to warm containers: verification, and re-scoring a policy.
_WARM_KINDS: frozenset[JobKind] = frozenset({"verify", "rescore"})


class DockerUnavailableError(RuntimeError):
    """No Docker engine answers, or the image cannot be built; the message says what to do."""


def docker_client() -> Any:
    """A ``docker.DockerClient`` for the engine at ``DOCKER_HOST`` (or the default socket), checked with a ping.

    Raises:
        DockerUnavailableError: The SDK is missing or no engine answers.
    """
    try:
        import docker
        import docker.errors
    except ImportError:
        raise DockerUnavailableError("the docker SDK is not installed: pip install 'docker>=7.1'") from None
    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except (docker.errors.DockerException, OSError):
        raise DockerUnavailableError(docker_socket_hint()) from None
    return client


def docker_unavailable_reason() -> str | None:
    """None when a Docker engine answers here; otherwise one line saying why not."""
    try:
        docker_client().close()
    except DockerUnavailableError as error:
        return str(error)
    return None


def container_options(limits: SandboxLimits, *, headroom_mb: int = 0, gpu: bool = False) -> dict[str, Any]:
    """The ``containers.create`` arguments that confine a job with ``limits``; the same for every job kind.

    Args:
        limits: The job's limits.
        headroom_mb: Memory added to the container's limit beyond the job's own (a warm worker's share).
        gpu: Give the container every GPU, and a larger /dev/shm.

    Returns:
        Keyword arguments for ``client.containers.create`` (without image, command and volumes).
    """
    from docker.types import DeviceRequest, LogConfig, Ulimit

    memory_mb = (limits.memory_mb or SandboxLimits.model_fields["memory_mb"].default) + headroom_mb
    file_size = limits.file_size_mb << 20
    options: dict[str, Any] = {
        "network_mode": "none",
        "read_only": True,
        "user": f"{JOB_UID}:{JOB_UID}",
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "pids_limit": _PIDS_LIMIT,
        "mem_limit": f"{memory_mb}m",
        "memswap_limit": f"{memory_mb}m",  # equal to the memory limit: no swap
        "nano_cpus": int(limits.threads * 1e9),
        "ulimits": [
            Ulimit(name="nofile", soft=_OPEN_FILES, hard=_OPEN_FILES),
            Ulimit(name="fsize", soft=file_size, hard=file_size),
            Ulimit(name="core", soft=0, hard=0),
        ],
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={_TMPFS_MB}m,mode=1777"},
        "working_dir": "/tmp",
        "environment": {
            "HOME": "/tmp",
            "TMPDIR": "/tmp",
            "OMP_NUM_THREADS": str(limits.threads),
            "MKL_NUM_THREADS": str(limits.threads),
            "OPENBLAS_NUM_THREADS": str(limits.threads),
        },
        # The engine keeps a container's output on the host's disk; a job that floods stdout gets this much.
        "log_config": LogConfig(
            type=LogConfig.types.JSON, config={"max-size": str(max(limits.max_log_bytes, 1 << 20)), "max-file": "1"}
        ),
        "labels": {LABEL: "job", OWNER_LABEL: _owner()},
    }
    if gpu:
        options["device_requests"] = [DeviceRequest(count=-1, capabilities=[["gpu"]])]
        options["shm_size"] = _GPU_SHM
        options["environment"]["NVIDIA_DRIVER_CAPABILITIES"] = "compute,utility"
    return options


class DockerSandbox(Sandbox):
    """Runs jobs in hardened containers; safe to call from several threads. See the module docstring.

    Args:
        client: A ``docker.DockerClient``; by default one for the local engine.
        image: The image to run; by default ``$REWARDSMITH_SANDBOX_IMAGE`` (e.g. one built from
            ``deploy/Dockerfile``), else this host's sandbox image, built if missing.
        pool_size: Warm verify containers kept idle per set of limits.
        term_grace_s: Seconds between SIGTERM and SIGKILL when a job runs out of time.
        scratch_root: Where the warm containers' exchange directories go; the system temp dir by default.
        say: Called with a line of progress while the image is built.
    """

    name = "docker"
    isolation = (
        "A container per job with no network, a read-only root, uid 65534, no capabilities, no-new-privileges, "
        "limits on pids, memory, CPU, open files and file size, and nothing of the host but the job's input "
        "(read-only) and output directories; it shares the host's kernel."
    )

    def __init__(
        self,
        *,
        client: Any = None,
        image: str | None = None,
        pool_size: int = 2,
        term_grace_s: float = 2.0,
        scratch_root: Path | None = None,
        say: Any = None,
    ) -> None:
        self._client = client if client is not None else docker_client()
        image = image or os.environ.get(IMAGE_VARIABLE)
        self.image = image if image else ensure_image(self._client, say=say or (lambda _: None))
        self._term_grace_s = term_grace_s
        remove_orphans(self._client)
        self._pool = _WarmPool(self._client, self.image, pool_size, term_grace_s, scratch_root)

    def execute(self, job: SandboxJob, job_dir: Path, out_dir: Path, on_progress: ProgressFn | None) -> Execution:
        """Run ``job`` in a container; see :meth:`rewardsmith.sandbox.Sandbox.execute`."""
        if job.job.kind in _WARM_KINDS:
            return self._pool.run(job, job_dir, out_dir)
        return self._fresh(job, job_dir, out_dir, on_progress)

    def warm(self, limits: SandboxLimits, count: int = 1, task: str = "cartpole") -> None:
        """Start ``count`` warm verify containers for ``task``'s jobs with ``limits`` now, not on first use."""
        self._pool.warm(limits, count, task_mounts(task))

    def close(self) -> None:
        """Stop and remove every container of this sandbox."""
        self._pool.close()

    def __enter__(self) -> DockerSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _fresh(self, job: SandboxJob, job_dir: Path, out_dir: Path, on_progress: ProgressFn | None) -> Execution:
        """Run ``job`` in a container of its own, removed afterwards."""
        limits = job.limits
        gpu = isinstance(job.job, TrainJob) and _wants_gpu(job.job)
        request = JobRequest(
            seq=1,
            job_dir="/job",
            out_dir="/out",
            wall_time_s=limits.wall_time_s,
            grace_s=self._term_grace_s,
            heartbeat=f"/job/{HEARTBEAT_FILE}",
        )
        heartbeat = job_dir / HEARTBEAT_FILE
        heartbeat.touch()
        command = [PYTHON, "-m", "rewardsmith.sandbox.supervisor", "once", request.model_dump_json()]
        volumes = {str(job_dir): {"bind": "/job", "mode": "ro"}, str(out_dir): {"bind": "/out", "mode": "rw"}}
        if isinstance(job.job, TrainJob):
            volumes.update(task_mounts(job.job.task))
        with _granted(out_dir):
            container = self._client.containers.create(
                self.image, command=command, volumes=volumes, **container_options(limits, gpu=gpu)
            )
            try:
                progress = ProgressReader(out_dir / PROGRESS_FILE, on_progress)
                ending = run_to_end(container, limits, self._term_grace_s, progress, heartbeat=heartbeat)
            finally:
                _discard(container)
        log_tail = read_log_tail(out_dir / JOB_LOG, limits.max_log_bytes)
        return Execution(collect(job, ending, out_dir, out_dir), ending=ending, log_tail=log_tail)


_Mounts = dict[str, dict[str, str]]


def task_mounts(task: str) -> _Mounts:
    """Read-only mounts that make a ``path/file.py:Class`` task loadable inside a container at the same path."""
    path, separator, _ = task.rpartition(":")
    if not separator or not path.endswith(".py"):
        return {}
    directory = Path(path).resolve().parent
    return {str(directory): {"bind": str(directory), "mode": "ro"}} if directory.is_dir() else {}


def remove_orphans(client: Any) -> list[str]:
    """Remove containers this backend started from processes of this host that no longer run; their ids.

    Containers of other hosts sharing the engine are left alone: whether their owner lives cannot be
    told from here.
    """
    removed = []
    for container in client.containers.list(all=True, filters={"label": LABEL}):
        owner = container.labels.get(OWNER_LABEL, "")
        host, _, pid = owner.rpartition("/")
        if host != os.uname().nodename or not pid.isdigit() or _alive(int(pid)):
            continue
        _discard(container)
        removed.append(container.id)
    return removed


def run_to_end(
    container: Any,
    limits: SandboxLimits,
    grace_s: float,
    progress: ProgressReader,
    margin_s: float = _HOST_MARGIN_S,
    heartbeat: Path | None = None,
) -> Ending:
    """Start ``container`` and wait for it, relaying progress; kill it when it outlives its limits.

    The supervisor inside ends the job at ``limits.wall_time_s`` plus ``grace_s``; the host waits
    ``margin_s`` more (for the container's and the interpreter's start) before it kills the container.
    While it waits it touches ``heartbeat``, so that the supervisor ends the job if this host dies.
    """
    import requests

    container.start()
    deadline = time.monotonic() + limits.wall_time_s + grace_s + margin_s
    status: dict[str, Any] | None = None
    try:
        while status is None:
            progress.poll()
            if heartbeat is not None:
                with contextlib.suppress(OSError):
                    heartbeat.touch()
            if time.monotonic() >= deadline:
                _stop(container)
                return Ending(timed_out=True)
            with contextlib.suppress(requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
                status = container.wait(timeout=_WAIT_POLL_S)
    except BaseException:
        _discard(container)
        raise
    progress.poll()
    container.reload()
    if container.attrs.get("State", {}).get("OOMKilled"):
        return Ending(signal_number=signal.SIGKILL)
    ending = _last_ending(container)
    if ending is not None:
        return ending
    # No report from the supervisor: it died, which only the kernel can do to PID 1.
    exit_code, signal_number = _split_status(int(status.get("StatusCode", -1)))
    return Ending(exit_code=exit_code, signal_number=signal_number if signal_number else signal.SIGKILL)


def _last_ending(container: Any) -> Ending | None:
    """The supervisor's report in the container's output; the job's own output went to its log file."""
    try:
        output = container.logs(stdout=True, stderr=False, tail=5)
    except Exception:  # a container already gone has no report
        return None
    for line in reversed(output.splitlines()):
        report = _report(line)
        if report is not None:
            return _from_report(report)
    return None


def _report(line: bytes) -> JobEnding | None:
    """The supervisor's ending report in one line of its output, or None when the line is not one."""
    try:
        return JobEnding.model_validate_json(line)
    except ValueError:
        return None


def _from_report(report: JobEnding) -> Ending:
    return Ending(
        exit_code=report.exit_code,
        signal_number=report.signal_number,
        timed_out=report.timed_out,
        cpu_time_s=report.cpu_time_s,
        max_rss_mb=report.max_rss_mb,
    )


def _split_status(code: int) -> tuple[int | None, int | None]:
    """(exit code, signal) from a container's status, where a death by signal N shows as 128 + N."""
    if code in _RUNNER_EXITS or code < _SIGNAL_BASE or code > _SIGNAL_BASE + 64:
        return code, None
    return None, code - _SIGNAL_BASE


def _log_tail(container: Any, limit: int) -> str:
    try:
        data = container.logs(stdout=True, stderr=True, tail=200)
    except Exception:  # the log is a courtesy; a container already gone has none
        return ""
    return clean_text(data[-limit:].decode("utf-8", errors="replace"), limit)


def _discard(container: Any) -> None:
    with contextlib.suppress(Exception):
        container.remove(force=True)


def _owner() -> str:
    return f"{os.uname().nodename}/{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wants_gpu(job: TrainJob) -> bool:
    try:
        return job.config.torch_device().type == "cuda"
    except ValueError:
        return False  # the job reports the missing device itself


@contextlib.contextmanager
def _granted(out_dir: Path) -> Iterator[None]:
    """Let the job's uid write ``out_dir`` for the duration, then give everything in it back to this user."""
    _let_job_write(out_dir)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            _chown_tree(out_dir, 0, 0)


def _let_job_write(directory: Path) -> None:
    """Make ``directory`` writable by the job's uid: its owner as root; otherwise world-writable.

    Without root, files the job makes stay its uid's; a world-writable directory at least lets the host
    remove them.
    """
    if os.geteuid() == 0:
        os.chown(directory, JOB_UID, JOB_UID)
    else:
        directory.chmod(0o777)


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    for directory, dirnames, filenames in os.walk(root):
        for name in (Path(directory), *(Path(directory, entry) for entry in dirnames + filenames)):
            with contextlib.suppress(OSError):
                os.chown(name, uid, gid, follow_symlinks=False)


# --- warm verify containers ------------------------------------------------------------------------


@dataclass
class _WarmContainer:
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


class _WarmPool:
    def __init__(self, client: Any, image: str, pool_size: int, grace_s: float, scratch_root: Path | None) -> None:
        self._client = client
        self._image = image
        self._pool_size = pool_size
        self._grace_s = grace_s
        self._scratch_root = scratch_root
        self._lock = threading.Lock()
        # Idle containers by the limits a container enforces; jobs differing only in wall time share them.
        self._idle: dict[tuple[object, ...], list[_WarmContainer]] = {}
        self._busy: set[int] = set()
        self._all: dict[int, _WarmContainer] = {}
        self._refills: list[threading.Thread] = []
        self._closed = False
        self._heartbeat = threading.Thread(target=self._beat, daemon=True)
        self._heartbeat.start()

    def warm(self, limits: SandboxLimits, count: int, mounts: _Mounts) -> None:
        started = [self._start(limits, mounts) for _ in range(count)]
        for warm in started:
            self._release(limits, mounts, warm, keep=True)

    def run(self, job: SandboxJob, job_dir: Path, out_dir: Path) -> Execution:
        limits = job.limits
        assert isinstance(job.job, VerifyJob | RescoreJob)
        mounts = task_mounts(job.job.task)
        warm = self._acquire(limits, mounts)
        keep = False
        try:
            execution = self._run_in(warm, job, job_dir, out_dir)
            keep = execution.outcome.ok and not (execution.ending and execution.ending.timed_out)
            return execution
        finally:
            self._release(limits, mounts, warm, keep=keep)

    def close(self) -> None:
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
            _discard(warm.container)
            shutil.rmtree(warm.scratch, ignore_errors=True)

    def _beat(self) -> None:
        """Touch every warm container's heartbeat; a supervisor whose host stops touching it exits."""
        while not self._closed:
            with self._lock:
                containers = list(self._all.values())
            for warm in containers:
                with contextlib.suppress(OSError):
                    (warm.requests / HEARTBEAT_FILE).touch()
            time.sleep(_HEARTBEAT_INTERVAL_S)

    def _acquire(self, limits: SandboxLimits, mounts: _Mounts) -> _WarmContainer:
        with self._lock:
            idle = self._idle.get(_container_key(limits, mounts), [])
            if idle:
                return idle.pop()
        return self._start(limits, mounts)

    def _release(self, limits: SandboxLimits, mounts: _Mounts, warm: _WarmContainer, *, keep: bool) -> None:
        with self._lock:
            idle = self._idle.setdefault(_container_key(limits, mounts), [])
            if keep and not self._closed and len(idle) < self._pool_size and warm.seq < _MAX_JOBS_PER_CONTAINER:
                idle.append(warm)
                return
            self._all.pop(id(warm), None)
            refill = not keep and not self._closed and not idle
        _discard(warm.container)
        shutil.rmtree(warm.scratch, ignore_errors=True)
        if refill:
            # The next verify job should find a warm container, not wait seconds for torch to import.
            thread = threading.Thread(target=self._refill, args=(limits, mounts), daemon=True)
            with self._lock:
                self._refills = [*(alive for alive in self._refills if alive.is_alive()), thread]
            thread.start()

    def _refill(self, limits: SandboxLimits, mounts: _Mounts) -> None:
        with contextlib.suppress(Exception):
            self._release(limits, mounts, self._start(limits, mounts), keep=True)

    def _start(self, limits: SandboxLimits, mounts: _Mounts) -> _WarmContainer:
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
        warm = _WarmContainer(container=container, scratch=scratch)
        with self._lock:
            self._all[id(warm)] = warm
        try:
            container.start()
            threading.Thread(target=_read_lines, args=(container, warm.lines), daemon=True).start()
            line = warm.next_line(_READY_TIMEOUT_S)
            if line is None:
                log = _log_tail(container, 2000)
                raise DockerUnavailableError(f"a warm sandbox container did not start in {_READY_TIMEOUT_S:g} s: {log}")
            SupervisorReady.model_validate_json(line)
        except BaseException:
            with self._lock:
                self._all.pop(id(warm), None)
            _discard(container)
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return warm

    def _run_in(self, warm: _WarmContainer, job: SandboxJob, job_dir: Path, out_dir: Path) -> Execution:
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
        _let_job_write(job_out)
        request = JobRequest(
            seq=seq,
            job_dir=f"/requests/{seq}",
            out_dir=f"/out/{seq}",
            wall_time_s=job.limits.wall_time_s,
            grace_s=self._grace_s,
            heartbeat=f"/requests/{HEARTBEAT_FILE}",
        )
        partial = warm.requests / f".{seq}.partial"
        partial.write_text(request.model_dump_json())
        partial.chmod(0o644)
        partial.replace(warm.requests / f"{seq}.json")
        try:
            ending = self._ending(warm, job)
            # The job wrote to this container's exchange directory: its result and declared files come back.
            outcome = collect(job, ending, job_out, out_dir)
            log_tail = read_log_tail(job_out / JOB_LOG, job.limits.max_log_bytes)
        finally:
            _remove_tree(request_dir)
            _remove_tree(job_out)
            with contextlib.suppress(OSError):
                (warm.requests / f"{seq}.json").unlink()
        return Execution(outcome, ending=ending, log_tail=log_tail)

    def _ending(self, warm: _WarmContainer, job: SandboxJob) -> Ending:
        deadline = time.monotonic() + job.limits.wall_time_s + self._grace_s + _HOST_MARGIN_S
        line = warm.next_line(deadline - time.monotonic())
        report = _report(line) if line is not None else None
        if report is not None and report.seq == warm.seq:
            return _from_report(report)
        # No ending: the worker died (the container's memory limit, most likely) or hangs; either way the
        # container is done for.
        _stop(warm.container)
        with contextlib.suppress(Exception):
            warm.container.reload()
            if warm.container.attrs.get("State", {}).get("OOMKilled"):
                return Ending(signal_number=signal.SIGKILL)
        if line is None and time.monotonic() >= deadline:
            return Ending(timed_out=True)
        return Ending(exit_code=None, signal_number=signal.SIGKILL)


def _container_key(limits: SandboxLimits, mounts: _Mounts) -> tuple[object, ...]:
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


def _stop(container: Any) -> None:
    with contextlib.suppress(Exception):
        container.kill()


def _remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()
