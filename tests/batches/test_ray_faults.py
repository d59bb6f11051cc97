"""A batch on a two-node Ray cluster on loopback survives a lost worker node and a killed driver.

Ray connects through the machine's non-loopback address even when told 127.0.0.1, so the cluster,
its driver and every job run inside a fresh network namespace (``unshare --net``), where loopback is
the only interface; :mod:`tests.batches.ray_harness` does the work there and writes what it saw.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from rewardsmith.executors import read_ledger

ROOT = Path(__file__).resolve().parents[2]


def namespace_reason() -> str | None:
    """Why a private network namespace cannot be made here, or None."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare and ip (util-linux, iproute2) to keep the Ray cluster on loopback"
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"cannot make a network namespace ({probe.stderr.strip()}); run as root or with CAP_SYS_ADMIN"
    return None


def run_harness(scenario: str, out: Path, timeout_s: float) -> dict:
    reason = namespace_reason()
    if reason is not None:
        pytest.skip(reason)
    env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    script = f"ip link set lo up && exec {sys.executable} -m tests.batches.ray_harness {scenario} {out}"
    finished = subprocess.run(
        ["unshare", "--net", "bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s
    )
    report = out / "harness.json"
    assert report.exists(), f"the harness wrote nothing (exit {finished.returncode}): {finished.stderr[-2000:]}"
    result = json.loads(report.read_text())
    assert result["ok"], result.get("error")
    return result


def test_lost_worker_node_jobs_are_retried_and_the_batch_completes(tmp_path: Path) -> None:
    result = run_harness("worker-death", tmp_path, timeout_s=600)
    # The node was killed while it ran a training job's sandboxed runner: the job ran on the worker.
    assert "rewardsmith.sandbox.runner" in result["runner"]
    summary = result["summary"]
    runs = {run["key"]: run for run in summary["runs"]}
    assert sorted(runs) == sorted(
        f"{task}-s{seed}" for task in ("cartpole", "point_reach", "pendulum") for seed in (0, 1)
    )
    assert all(run["state"] == "finished" for run in runs.values()), runs
    assert all(run["best_fitness"] is not None for run in runs.values())

    ledger = read_ledger(Path(summary["batch_dir"]) / "jobs.jsonl")
    retried = [entry for entry in ledger if entry.event == "retried"]
    assert retried, "no job was retried after its node died"
    assert all("NodeDied" in entry.reason or "WorkerCrashed" in entry.reason for entry in retried)
    # Each retried job came back done on a later attempt; no job was given up.
    for entry in retried:
        later = [e for e in ledger if (e.run, e.job) == (entry.run, entry.job) and e.event == "done"]
        assert [e.attempt for e in later] == [entry.attempt + 1]
    assert summary["jobs"]["retried"] == len(retried) and summary["jobs"]["lost"] == 0
    assert any(entry.kind == "train" for entry in retried)
    # Every run's one candidate was verified, trained and rescored once to the end: 3 jobs per run.
    done = Counter((e.run, e.kind) for e in ledger if e.event == "done")
    assert all(done[(key, kind)] == 1 for key in runs for kind in ("verify", "train", "rescore")), done
    index = (Path(summary["batch_dir"]) / "index.html").read_text()
    assert all(f'href="{key}/' in index for key in runs)


def test_killed_driver_resumes_without_training_finished_jobs_again(tmp_path: Path) -> None:
    result = run_harness("driver-death", tmp_path, timeout_s=600)
    assert result["resume_rc"] == 0, result["resume_stderr"]
    batch_dir = Path(result["batch_dir"])
    summary = json.loads((batch_dir / "batch.json").read_text())
    assert [run["state"] for run in summary["runs"]] == ["finished"] * 2
    finished_before = {tuple(pair) for pair in result["finished_before"]}
    assert finished_before, "the driver was killed before any training finished"

    started = Counter((e["run"], e["candidate"]) for e in result["events"] if e["event"] == "train_started")
    for pair in finished_before:
        assert started[pair] == 1, f"{pair} was trained again after --resume"
    assert sorted(started) == [(f"cartpole-s{seed}", "i01-c00") for seed in (0, 1)]
    # Counted on the workers' side too: a training job finished before the kill came back done once.
    ledger = read_ledger(batch_dir / "jobs.jsonl")
    done = Counter((e.run, e.job) for e in ledger if e.event == "done" and e.kind == "train")
    for run, candidate in finished_before:
        assert done[(run, f"train-{candidate}")] == 1
    # The resumed driver finished what the killed one left: every run has a summary and a report.
    for run in summary["runs"]:
        assert (Path(run["run_dir"]) / "summary.json").exists()
        assert (Path(run["run_dir"]) / "report.html").exists()
