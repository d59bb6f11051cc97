"""A design process killed with SIGKILL during training resumes without retraining finished work.

It runs on the strongest sandbox the machine has (``--sandbox best``): docker where an engine answers
(as in CI), else bwrap, else the process backend, whose jobs die with their parent too.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rewardsmith.loop.record import RunRecord


def events(run_dir: Path) -> list[dict]:
    path = run_dir / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def runner_processes(run_dir: Path) -> list[str]:
    found = subprocess.run(["pgrep", "-af", "rewardsmith.sandbox.runner"], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if str(run_dir) in line]


def running_containers(host_pid: int) -> list[str]:
    """Sandbox containers still running for the design process ``host_pid`` (none without Docker)."""
    from rewardsmith.sandbox.docker import OWNER_LABEL, DockerUnavailableError, docker_client

    try:
        client = docker_client()
    except DockerUnavailableError:
        return []
    owner = f"{OWNER_LABEL}={os.uname().nodename}/{host_pid}"
    return [container.name for container in client.containers.list(filters={"label": owner})]


def test_sigkill_during_training_then_resume(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "rewardsmith",
        "design",
        "cartpole",
        "--iterations",
        "1",
        "--samples",
        "3",
        "--steps",
        "20000",
        "--final-seeds",
        "1",
        "--sandbox",
        "best",
        "--out",
        str(tmp_path),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    run_dir: Path | None = None
    deadline = time.monotonic() + 240
    try:
        # Kill once the first candidate has finished training and the second has started.
        while time.monotonic() < deadline:
            runs = [p for p in tmp_path.iterdir() if p.is_dir()]
            if runs:
                run_dir = runs[0]
                log = events(run_dir)
                finished = [e["candidate"] for e in log if e["event"] == "train_finished"]
                started = [e["candidate"] for e in log if e["event"] == "train_started"]
                if finished and len(started) > len(finished):
                    break
            assert process.poll() is None, "the design finished before it could be killed"
            time.sleep(0.05)
        else:
            raise AssertionError("training never reached the kill point")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert run_dir is not None
    before = events(run_dir)
    finished_before = {e["candidate"] for e in before if e["event"] == "train_finished"}
    assert "finished" not in [e["event"] for e in before]
    # The sandboxed trainer dies with its parent rather than training on as an orphan: at once for a
    # process job, within the heartbeat's allowance for a container.
    deadline = time.monotonic() + 30
    while (runner_processes(run_dir) or running_containers(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert runner_processes(run_dir) == []
    assert running_containers(process.pid) == []

    resumed = subprocess.run(
        [sys.executable, "-m", "rewardsmith", "resume", str(run_dir)], capture_output=True, text=True, timeout=600
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]

    log = events(run_dir)
    started = [e["candidate"] for e in log if e["event"] == "train_started"]
    for candidate in finished_before:
        assert started.count(candidate) == 1, f"{candidate} was trained again after resume"
    assert sorted(set(started)) == ["i01-c00", "i01-c01", "i01-c02"]
    assert [e["event"] for e in log].count("finished") == 1
    # A consistent record: every candidate reached a final stage, and the summary names the best one.
    record = RunRecord.open(run_dir)
    assert all(s.stage in ("trained", "rejected", "failed") for s in record.statuses())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["best_candidate_id"] in {"i01-c00", "i01-c01", "i01-c02"}
