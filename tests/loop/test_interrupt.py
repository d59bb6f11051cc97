"""A run stopped by Ctrl-C (SIGINT) or SIGTERM at any stage stops at once, says how to go on, and
`rewardsmith resume` finishes it without training any finished candidate again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rewardsmith.loop.record import RunRecord
from tests.loop.test_resume import runner_processes

#: Each stage, and the event that says the run is in it.
STAGES = {
    "pool": "pool_started",
    "design": "round_started",
    "verify": "verify_started",
    "gate": "gated",
    "train": "train_started",
    "analyze": "analyzed",
    "final_eval": "final_train_started",
}
SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM}
# Small and fast: one round of two candidates, one PPO update each, the process backend (the stopping is
# the loop's and the sandbox base's, the same for every backend; tests/sandbox covers the backends').
DESIGN = [
    "design",
    "cartpole",
    "--iterations",
    "1",
    "--samples",
    "2",
    "--steps",
    "2048",
    "--final-seeds",
    "1",
    "--parallel",
    "2",
    "--sandbox",
    "none",
]


def events(run_dir: Path) -> list[dict]:
    return RunRecord(run_dir).events()


def _deliver_sigint() -> None:
    # A suite started in the background by a non-interactive shell inherits SIGINT ignored, and Python
    # then installs no KeyboardInterrupt handler; a user's terminal delivers it, so the child must too.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def rewardsmith(*args: str, **options: object) -> subprocess.Popen[str]:
    # Unregistered types in a checkpoint would be refused, not merely warned about.
    env = {**os.environ, "LANGGRAPH_STRICT_MSGPACK": "true"}
    return subprocess.Popen(
        [sys.executable, "-m", "rewardsmith", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=_deliver_sigint,
        **options,  # type: ignore[arg-type]
    )


def interrupt_at(tmp_path: Path, stage: str, signum: int) -> tuple[Path, subprocess.CompletedProcess[str]]:
    process = rewardsmith(*DESIGN, "--out", str(tmp_path), start_new_session=True)
    deadline = time.monotonic() + 240
    run_dir: Path | None = None
    try:
        while time.monotonic() < deadline:
            runs = [p for p in tmp_path.iterdir() if p.is_dir()]
            if runs and any(e["event"] == STAGES[stage] for e in events(runs[0])):
                run_dir = runs[0]
                break
            assert process.poll() is None, f"the run ended before the {stage} stage: {process.communicate()}"
            time.sleep(0.02)
        else:
            raise AssertionError(f"the run never reached the {stage} stage")
        os.killpg(process.pid, signum)
        stdout, stderr = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return run_dir, subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


# Every stage once, the two signals taking turns: both end in the same stop (the CLI turns SIGTERM into
# the exception SIGINT raises), so a stage under each signal would double the time and test nothing new.
CASES = [(stage, list(SIGNALS)[index % len(SIGNALS)]) for index, stage in enumerate(STAGES)]


@pytest.mark.parametrize(("stage", "signal_name"), CASES)
def test_interrupted_at_any_stage_then_resumed(tmp_path: Path, stage: str, signal_name: str) -> None:
    run_dir, stopped = interrupt_at(tmp_path, stage, SIGNALS[signal_name])
    if stopped.returncode == 0:
        pytest.fail(f"the run finished before the signal reached it: {stopped.stderr[-500:]}")
    assert stopped.returncode == 128 + SIGNALS[signal_name], stopped.stderr[-2000:]
    assert "Traceback" not in stopped.stderr
    lines = [line for line in stopped.stderr.splitlines() if line.strip()]
    assert f"interrupted by {signal_name}" in lines[-1] and f"rewardsmith resume {run_dir}" in lines[-1], lines
    # It stopped at once: nothing of it runs on, and it started no training after the signal.
    assert runner_processes(run_dir) == []
    before = events(run_dir)
    assert before[-1]["event"] == "interrupted", before[-3:]
    trained_before = {e["candidate"] for e in before if e["event"] == "train_finished"}

    resumed = rewardsmith("resume", str(run_dir))
    _, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr[-2000:]
    assert "unregistered type" not in stderr and "Blocked deserialization" not in stderr

    log = events(run_dir)
    started = [e["candidate"] for e in log if e["event"] == "train_started"]
    for candidate in trained_before:
        assert started.count(candidate) == 1, f"{candidate} was trained again after resume"
    assert [e["event"] for e in log].count("finished") == 1
    record = RunRecord.open(run_dir)
    assert all(s.stage in ("trained", "rejected", "failed") for s in record.statuses())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["candidates"] == 2
