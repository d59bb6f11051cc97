"""The local executor: a job travels packed to a pool process, runs in the sandbox there and comes back
with its output; a pool process killed mid-job has the job sent again, and after the last retry the job
comes back failed, saying why."""

from __future__ import annotations

import contextlib
import io
import tarfile
import threading
import time
from pathlib import Path

import psutil
import pytest

from rewardsmith.executors import JobRequest, read_ledger
from rewardsmith.executors.local import LocalExecutor
from rewardsmith.executors.packing import pack, unpack
from rewardsmith.sandbox import SandboxJob, SandboxLimits, VerifyJob, prepare_job
from tests.sandbox.candidates import GOOD


def verify_request(tmp_path: Path) -> JobRequest:
    job = SandboxJob(id="verify-c00", job=VerifyJob(task="cartpole"), limits=SandboxLimits(wall_time_s=120))
    job_dir = prepare_job(job, GOOD, tmp_path / "job")
    return JobRequest(run="cartpole-s0", job=job, backend="none", files=pack(job_dir))


def test_a_directory_survives_the_trip_and_nothing_lands_outside(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "nested").mkdir(parents=True)
    (source / "nested" / "a.txt").write_text("a")
    (source / "b.bin").write_bytes(b"\0\1")
    unpack(pack(source), tmp_path / "copy")
    assert (tmp_path / "copy" / "nested" / "a.txt").read_text() == "a"
    assert (tmp_path / "copy" / "b.bin").read_bytes() == b"\0\1"

    hostile = io.BytesIO()
    with tarfile.open(fileobj=hostile, mode="w") as archive:
        member = tarfile.TarInfo("../escaped.txt")
        member.size = 1
        archive.addfile(member, io.BytesIO(b"x"))
    with pytest.raises(tarfile.OutsideDestinationError):
        unpack(hostile.getvalue(), tmp_path / "target")
    assert not (tmp_path / "escaped.txt").exists()


def runs_a_runner(process: psutil.Process) -> bool:
    try:
        return any("rewardsmith.sandbox.runner" in " ".join(p.cmdline()) for p in process.children(recursive=True))
    except psutil.Error:  # it ended while being looked at
        return False


def kill_pool_workers_when_running(times: int, killed: list[int], stop: threading.Event) -> None:
    """Kill this process's pool workers, each time one has started a sandboxed runner."""
    me = psutil.Process()
    while len(killed) < times and not stop.is_set():
        for child in me.children():
            if child.pid not in killed and runs_a_runner(child):
                killed.append(child.pid)
                with contextlib.suppress(psutil.Error):
                    child.kill()
        time.sleep(0.02)


def test_a_killed_pool_worker_has_its_job_sent_again_then_given_up(tmp_path: Path) -> None:
    # Retried once after the first kill, given up after the second. That a retried job comes back done
    # is shown on Ray (tests/batches/test_ray_faults.py), where the same retry loop runs.
    ledger = tmp_path / "jobs.jsonl"
    kills = 2
    executor = LocalExecutor(parallel=1, retries=1, ledger=ledger)
    killed: list[int] = []
    stop = threading.Event()
    killer = threading.Thread(target=kill_pool_workers_when_running, args=(kills, killed, stop), daemon=True)
    killer.start()
    try:
        reply = executor.submit(verify_request(tmp_path), threading.Event())
    finally:
        stop.set()
        executor.close()
    assert len(killed) == kills
    events = [(entry.event, entry.attempt) for entry in read_ledger(ledger)]
    assert not reply.result.ok and reply.result.failure is not None
    assert reply.result.failure.kind == "sandbox_error"
    assert "its worker died 2 times" in reply.result.failure.message
    assert events == [("submitted", 1), ("retried", 1), ("submitted", 2), ("lost", 2)]
    assert executor.counts.retried == 1 and executor.running["cartpole-s0"] == 0
