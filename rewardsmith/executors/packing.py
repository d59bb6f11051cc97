"""A sandbox job as it travels to a worker and back: its directory packed into bytes, and the worker's side.

Workers share no filesystem with the driver, so a job's directory (``job.json``, the reward file, a
pool or a policy) goes with the request, and the output directory comes back with the reply.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import tarfile
import tempfile
import threading
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.sandbox import SandboxJob, SandboxResult, SandboxUnavailableError, make_sandbox
from rewardsmith.sandbox.base import Sandbox
from rewardsmith.sandbox.failures import sandbox_error
from rewardsmith.sandbox.outcome import Execution, failed, sandbox_result


class JobRequest(BaseModel):
    """One sandbox job for an executor: what to run, in which backend, with which resources."""

    model_config = ConfigDict(frozen=True)

    run: str = Field(description="The run that asked for it, as the batch names runs (for the ledger and table).")
    job: SandboxJob
    backend: str = Field(description="The sandbox backend the worker runs it in, resolved on the worker.")
    files: bytes = Field(repr=False, description="The job directory as an uncompressed tar.")
    num_cpus: float = Field(default=1.0, ge=0, description="CPUs the job asks its worker for.")
    num_gpus: float = Field(default=0.0, ge=0, description="GPUs the job asks for; 0 on CPU workers.")


class JobReply(BaseModel):
    """What came back: the sandbox's result and the output directory, and where it ran."""

    model_config = ConfigDict(frozen=True)

    result: SandboxResult
    files: bytes = Field(default=b"", repr=False, description="The output directory as an uncompressed tar.")
    node: str = Field(default="", description="Host name of the worker that ran it.")
    pid: int | None = Field(default=None, description="The worker process.")


def pack(directory: Path) -> bytes:
    """``directory``'s regular files and folders as tar bytes; links are left out (a job never needs one)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                continue
            archive.add(path, arcname=str(path.relative_to(directory)), recursive=False)
    return buffer.getvalue()


def unpack(data: bytes, directory: Path) -> None:
    """Write what :func:`pack` made into ``directory``; members that would land outside it are refused."""
    directory.mkdir(parents=True, exist_ok=True)
    if not data:
        return
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as archive:
        archive.extractall(directory, filter="data")


def lost_result(request: JobRequest, reason: str) -> SandboxResult:
    """The result recorded for a job that never came back: a sandbox error that says why."""
    return sandbox_result(Execution(failed(request.job, sandbox_error(reason))), backend=request.backend, started=0.0)


# One sandbox per backend per worker process: a docker backend keeps warm containers between jobs.
_SANDBOXES: dict[str, Sandbox] = {}
_SANDBOXES_LOCK = threading.Lock()


def _sandbox(backend: str) -> Sandbox:
    with _SANDBOXES_LOCK:
        if backend not in _SANDBOXES:
            _SANDBOXES[backend] = make_sandbox(backend)
        return _SANDBOXES[backend]


def run_request(request: JobRequest) -> JobReply:
    """The worker's side: unpack the job, run it in this worker's sandbox, pack its output."""
    here = {"node": socket.gethostname(), "pid": os.getpid()}
    try:
        sandbox = _sandbox(request.backend)
    except SandboxUnavailableError as error:
        return JobReply(result=lost_result(request, f"the worker cannot run its sandbox: {error}"), **here)
    scratch = Path(tempfile.mkdtemp(prefix="rewardsmith-job-"))
    try:
        scratch.chmod(0o755)  # container backends run the job as an unprivileged uid
        job_dir, out_dir = scratch / "job", scratch / "out"
        unpack(request.files, job_dir)
        result = sandbox.run(request.job, job_dir, out_dir)
        return JobReply(result=result, files=pack(out_dir) if out_dir.exists() else b"", **here)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
