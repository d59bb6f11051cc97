"""A job in a container of its own: train jobs and probes. The container starts, runs one job, and goes.

The wall-clock limit is enforced twice. Inside, the container's PID 1 is the trusted
:mod:`~rewardsmith.sandbox.supervisor`, which stops the job at its limit even if this host dies.
Outside, :func:`run_to_end` kills a container that outlives the limit by a margin; ``docker exec``
forwards no kill, so nothing here relies on exec.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.sandbox.base import ProgressFn
from rewardsmith.sandbox.docker.containers import HOST_MARGIN_S, discard, last_ending, split_status, stop
from rewardsmith.sandbox.docker.grants import granted
from rewardsmith.sandbox.docker.image import PYTHON
from rewardsmith.sandbox.docker.options import container_options, task_mounts, wants_gpu
from rewardsmith.sandbox.docker.ownership import beat
from rewardsmith.sandbox.exchange import read_log_tail
from rewardsmith.sandbox.outcome import Ending, Execution, collect
from rewardsmith.sandbox.progress import ProgressReader
from rewardsmith.sandbox.schema import PROGRESS_FILE, SandboxJob, SandboxLimits, TrainJob
from rewardsmith.sandbox.supervisor import HEARTBEAT_FILE, JOB_LOG, JobRequest

_WAIT_POLL_S = 0.25


def run_once(
    client: Any,
    image: str,
    job: SandboxJob,
    job_dir: Path,
    out_dir: Path,
    grace_s: float,
    on_progress: ProgressFn | None,
    stopping: Callable[[], bool] = lambda: False,
) -> Execution:
    """Run ``job`` in a container of its own, removed afterwards, with the job and output directories mounted.

    Args:
        client: A ``docker.DockerClient``.
        image: The image to run.
        job: The job; ``job_dir`` holds it.
        job_dir: Mounted read-only at ``/job``.
        out_dir: Mounted read-write at ``/out``; everything in it is the host user's again afterwards.
        grace_s: Seconds between SIGTERM and SIGKILL when the job runs out of time.
        on_progress: Relayed from ``progress.jsonl`` while the job runs.
        stopping: Polled while the job runs; once true, the container is stopped.
    """
    limits = job.limits
    request = JobRequest(
        seq=1,
        job_dir="/job",
        out_dir="/out",
        wall_time_s=limits.wall_time_s,
        grace_s=grace_s,
        heartbeat=f"/job/{HEARTBEAT_FILE}",
        max_result_bytes=job.limits.max_result_bytes,
    )
    heartbeat = job_dir / HEARTBEAT_FILE
    heartbeat.touch()
    command = [PYTHON, "-m", "rewardsmith.sandbox.supervisor", "once", request.model_dump_json()]
    volumes = {str(job_dir): {"bind": "/job", "mode": "ro"}, str(out_dir): {"bind": "/out", "mode": "rw"}}
    gpu = False
    if isinstance(job.job, TrainJob):
        volumes.update(task_mounts(job.job.task))
        gpu = wants_gpu(job.job)
    with granted(out_dir):
        container = client.containers.create(
            image, command=command, volumes=volumes, **container_options(limits, gpu=gpu)
        )
        try:
            progress = ProgressReader(out_dir / PROGRESS_FILE, on_progress)
            ending = run_to_end(container, limits, grace_s, progress, heartbeat=heartbeat, stopping=stopping)
        finally:
            discard(container)
    log_tail = read_log_tail(out_dir / JOB_LOG, limits.max_log_bytes)
    return Execution(collect(job, ending, out_dir, out_dir), ending=ending, log_tail=log_tail)


def run_to_end(
    container: Any,
    limits: SandboxLimits,
    grace_s: float,
    progress: ProgressReader,
    margin_s: float = HOST_MARGIN_S,
    heartbeat: Path | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> Ending:
    """Start ``container`` and wait for it, relaying progress; kill it when it outlives its limits.

    The supervisor inside ends the job at ``limits.wall_time_s`` plus ``grace_s``; the host waits
    ``margin_s`` more (for the container's and the interpreter's start) before it kills the container.
    While it waits it touches ``heartbeat``, so that the supervisor ends the job if this host dies, and
    it stops the container as soon as ``stopping`` says the run is being interrupted.
    """
    import requests

    container.start()
    deadline = time.monotonic() + limits.wall_time_s + grace_s + margin_s
    status: dict[str, Any] | None = None
    try:
        while status is None:
            progress.poll()
            if heartbeat is not None:
                beat(heartbeat)
            if stopping():
                stop(container)
                return Ending(signal_number=signal.SIGKILL)
            if time.monotonic() >= deadline:
                stop(container)
                return Ending(timed_out=True)
            with contextlib.suppress(requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
                status = container.wait(timeout=_WAIT_POLL_S)
    except BaseException:
        discard(container)
        raise
    progress.poll()
    container.reload()
    if container.attrs.get("State", {}).get("OOMKilled"):
        return Ending(signal_number=signal.SIGKILL)
    ending = last_ending(container)
    if ending is not None:
        return ending
    # No report from the supervisor: it died, which only the kernel can do to PID 1.
    exit_code, signal_number = split_status(int(status.get("StatusCode", -1)))
    return Ending(exit_code=exit_code, signal_number=signal_number if signal_number else signal.SIGKILL)
