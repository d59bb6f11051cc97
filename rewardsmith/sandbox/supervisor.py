"""PID 1 of every sandbox container: ``python -m rewardsmith.sandbox.supervisor serve|once ...``.

The supervisor is trusted. It forks the trusted runner for each job, enforces the job's wall-clock
limit from inside the container (SIGTERM, then SIGKILL after a grace period, like ``timeout -k``),
and reports how the job ended as one JSON line on its own stdout, which only the host reads. The
job's stdout and stderr go to ``job.log`` in its output directory instead.

* ``serve REQUESTS_DIR``, in a warm verify container: importing torch and the runner takes seconds and
  a verify job about 50 ms, so the supervisor imports them once, then serves ``REQUESTS_DIR/<seq>.json``
  from 1 upwards (a read-only mount the host writes), forking a child per job. The child applies
  the job's limits before any candidate code exists, exactly as a fresh process would, and whatever
  the candidate does to its process (monkey-patching torch, threads, atexit handlers) dies with it.
* ``once REQUEST_JSON``, in a train job's container of its own: one job, then exit.

What keeps a job from reaching the supervisor, although both run as uid 65534:

* it is not dumpable, so a job can neither ptrace it nor open ``/proc/1/mem`` or ``/proc/1/fd``;
* as PID 1 of the container's PID namespace it receives no signal it has no handler for, and it
  keeps none (SIGINT's default handler is reset), so a job's ``kill`` of its parent or of PID 1 does
  nothing; ``timeout`` in its place would forward a job's SIGTERM back to the job as a fake timeout;
* after each job it kills every other process in the container and empties ``/tmp``, so nothing of
  a job is there when the next one starts.

The host still throws a warm container away after any failure or timeout; this is the second line.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import os
import select
import shutil
import signal
import sys
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.sandbox.report import deliver, open_report

#: The job's stdout and stderr, in its output directory.
JOB_LOG = "job.log"
#: A heartbeat older than this means the host died: nobody will read the job's result any more.
HOST_GONE_S = 10.0
_PR_SET_DUMPABLE = 4
#: The file in a serving supervisor's requests directory that the host keeps touching.
HEARTBEAT_FILE = ".heartbeat"
# A request is looked for every millisecond right after the last one, backing off to 10 ms when idle,
# so that a waiting supervisor costs the training next to it nothing measurable.
_POLL_S = 0.001
_IDLE_POLL_S = 0.01
_HEARTBEAT_CHECK_S = 1.0
_REAP_TIMEOUT_S = 2.0


class JobRequest(BaseModel):
    """One job for the supervisor: a warm container's ``/requests/<seq>.json``, or ``once``'s argument."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int = Field(ge=1, description="The request's number; requests are served in order from 1.")
    job_dir: str = Field(description="The job directory inside the container.")
    out_dir: str = Field(description="The output directory inside the container; the host made it, empty.")
    wall_time_s: float = Field(gt=0, description="Wall-clock limit of the job.")
    grace_s: float = Field(ge=0, description="Seconds between SIGTERM and SIGKILL at the limit.")
    heartbeat: str | None = Field(
        default=None, description="A file the host touches while it waits; when it goes stale, the host is gone."
    )
    max_result_bytes: int = Field(ge=1, description="The most bytes of result.json the host reads.")


class JobEnding(BaseModel):
    """How one job's process ended, reported by the supervisor as one line on its stdout."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int = Field(description="The request's number.")
    exit_code: int | None = Field(description="Exit code, or None when a signal ended the job.")
    signal_number: int | None = Field(description="The signal that ended it, if any.")
    timed_out: bool = Field(description="The supervisor stopped it at the wall-clock limit.")
    cpu_time_s: float = Field(description="CPU seconds of the job's process.")
    max_rss_mb: float = Field(description="Peak resident memory of the job's process, MiB.")
    strays: int = Field(description="Processes the job left behind, killed after it.")
    host_gone: bool = Field(default=False, description="The host stopped touching the heartbeat; the job was killed.")


class SupervisorReady(BaseModel):
    """A serving supervisor's first line: imports done, ready for request 1."""

    ready: bool = True
    import_s: float = Field(description="Seconds spent importing torch and the runner.")


def main(argv: list[str] | None = None) -> None:
    """``serve REQUESTS_DIR``: serve requests until the container is stopped; ``once REQUEST_JSON``: one job."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("serve", "once"):
        print("usage: python -m rewardsmith.sandbox.supervisor serve REQUESTS_DIR | once REQUEST_JSON", file=sys.stderr)
        raise SystemExit(2)
    started = time.monotonic()
    # PID 1 gets only the signals it handles; Python's default SIGINT handler would be one.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _not_dumpable()
    from rewardsmith.sandbox import runner  # noqa: F401  (the import is the point: the children inherit it)
    from rewardsmith.tasks import load_task, task_names

    for name in task_names():  # each built-in task's module, so that no child imports it again
        load_task(name)

    # Everything imported so far moves to a generation the collector never visits: a collection in a
    # child would otherwise touch every object, and copy every page the fork shares with it.
    gc.freeze()
    if args[0] == "once":
        _emit(_serve(JobRequest.model_validate_json(args[1])))
        return
    _emit(SupervisorReady(import_s=time.monotonic() - started))
    requests = Path(args[1])
    heartbeat = requests / HEARTBEAT_FILE
    seq = 1
    while True:
        request = _wait_for(requests / f"{seq}.json", seq, heartbeat)
        if request is None:
            return  # the host is gone; the container ends with this process
        ending = _serve(request)
        _emit(ending)
        if ending.host_gone:
            return
        seq += 1


def _serve(request: JobRequest) -> JobEnding:
    sys.stdout.flush()
    sys.stderr.flush()
    report = open_report()
    pid = os.fork()
    if pid == 0:
        _child(request, report)
    heartbeat = Path(request.heartbeat) if request.heartbeat else None
    exited, host_gone = _wait_exit(pid, request.wall_time_s, heartbeat)
    timed_out = not exited and not host_gone
    if timed_out:
        _signal_group(pid, signal.SIGTERM)
        exited, _ = _wait_exit(pid, request.grace_s, None)
    if not exited:
        _signal_group(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    strays = _end_all_others()
    _empty(Path("/tmp"))
    # Written now, with no process of the job left to write over it, and from a report no path leads to.
    problem = deliver(report, Path(request.out_dir), request.max_result_bytes)
    os.close(report)
    if problem is not None:
        print(f"rewardsmith supervisor: {problem}", file=sys.stderr)
    return JobEnding(
        seq=request.seq,
        exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        signal_number=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        timed_out=timed_out,
        cpu_time_s=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,
        strays=strays,
        host_gone=host_gone,
    )


def _child(request: JobRequest, report: int) -> None:
    try:
        os.setsid()
        log = os.open(Path(request.out_dir, JOB_LOG), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        # Under the container's memory limit, the kernel should pick a job over the supervisor.
        with contextlib.suppress(OSError):
            Path("/proc/self/oom_score_adj").write_text("1000")
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from rewardsmith.sandbox import runner

        runner.main([request.job_dir, request.out_dir, str(report)])
    finally:
        os._exit(70)


def _wait_exit(pid: int, timeout_s: float, heartbeat: Path | None) -> tuple[bool, bool]:
    """(exited, host gone): whether ``pid`` exited within ``timeout_s``, or the host stopped first.

    The process stays a zombie until reaped.
    """
    deadline = time.monotonic() + timeout_s
    fd = os.pidfd_open(pid)
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False, False
            readable, _, _ = select.select([fd], [], [], min(left, _HEARTBEAT_CHECK_S))
            if readable:
                return True, False
            if _host_gone(heartbeat):
                return False, True
    finally:
        os.close(fd)


def _host_gone(heartbeat: Path | None) -> bool:
    if heartbeat is None:
        return False
    try:
        return time.time() - heartbeat.stat().st_mtime > HOST_GONE_S
    except OSError:
        return False  # not made yet, or the mount is going away with the container


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _end_all_others() -> int:
    """Kill every process but this one (a job may have left its group), reap them; how many there were."""
    me = os.getpid()
    others = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit() and int(entry.name) != me]
    for pid in others:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + _REAP_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            reaped, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if reaped == 0:
            time.sleep(_POLL_S)
    return len(others)


def _empty(directory: Path) -> None:
    with contextlib.suppress(OSError):
        for entry in directory.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()


def _wait_for(path: Path, seq: int, heartbeat: Path) -> JobRequest | None:
    """Request ``seq`` once the host has written it; None when the host is gone."""
    checked = time.monotonic()
    poll = _POLL_S
    while True:
        try:
            request = JobRequest.model_validate_json(path.read_bytes())
        except (OSError, ValueError):
            request = None
        if request is not None and request.seq == seq:
            return request
        if time.monotonic() - checked > _HEARTBEAT_CHECK_S:
            checked = time.monotonic()
            if _host_gone(heartbeat):
                return None
        time.sleep(poll)
        poll = min(poll * 1.1, _IDLE_POLL_S)


def _emit(message: BaseModel) -> None:
    os.write(1, (json.dumps(message.model_dump()) + "\n").encode())


def _not_dumpable() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


if __name__ == "__main__":
    main()
