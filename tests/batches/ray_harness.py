"""Runs inside a fresh network namespace (see ``ray_cluster``): a two-node Ray cluster on loopback, a batch
on it, and the fault the test asks for; it writes what it saw to ``OUT/harness.json`` for the test.

Usage: ``python -m tests.batches.ray_harness worker-death|driver-death OUT``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml

from tests.batches.test_local_batch import QUICK

PORT = 6391
ADDRESS = f"127.0.0.1:{PORT}"
RAY = str(Path(sys.executable).with_name("ray"))
# A lost node is declared dead after period × threshold; Ray's defaults take 15 s.
FAST_HEALTH = {"RAY_health_check_period_ms": "500", "RAY_health_check_failure_threshold": "4"}
SETTINGS = QUICK | {"verify_timeout_s": 120, "job_timeout_s": 300}


def ray_start(temp_dir: Path, *args: str) -> subprocess.Popen[bytes]:
    """A node in the foreground (``--block``), in a session of its own, so that its whole tree can be killed."""
    env = os.environ | FAST_HEALTH | {"RAY_USAGE_STATS_ENABLED": "0"}
    command = [RAY, "start", *args, f"--temp-dir={temp_dir}", "--disable-usage-stats", "--block"]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def wait_for_port(port: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on port {port}"
            time.sleep(0.1)


def start_cluster(temp_dir: Path) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
    """A head node of two CPUs and a worker node of one, both on loopback; returns their ``ray start`` processes."""
    head = ray_start(temp_dir, "--head", f"--port={PORT}", "--num-cpus=2", "--include-dashboard=false")
    wait_for_port(PORT)
    worker = ray_start(temp_dir, f"--address={ADDRESS}", "--num-cpus=1")
    import ray

    ray.init(address=ADDRESS, log_to_driver=False, configure_logging=False)
    deadline = time.monotonic() + 60
    while len([node for node in ray.nodes() if node["Alive"]]) < 2:
        assert time.monotonic() < deadline, "the worker node never joined"
        time.sleep(0.2)
    return head, worker


def kill_tree(root: subprocess.Popen[bytes]) -> None:
    try:
        tree = node_tree(root)
    except psutil.Error:
        return
    for process in tree:
        with contextlib.suppress(psutil.Error):
            process.kill()


def stop_cluster(temp_dir: Path, nodes: list[subprocess.Popen[bytes]]) -> None:
    """End this cluster's processes only: the nodes' trees, then any process that names its temp dir
    (daemons that left their tree); never ``ray stop``, which would end every Ray process on the machine."""
    for node in nodes:
        kill_tree(node)
    for process in psutil.process_iter(["cmdline"]):
        if any(str(temp_dir) in part for part in process.info["cmdline"] or []) and process.pid != os.getpid():
            with contextlib.suppress(psutil.Error):
                process.kill()


def write_batch(out: Path, tasks: list[str], seeds: list[int], sandbox: str, parallel: int) -> Path:
    path = out / "batch.yaml"
    spec = {
        "tasks": tasks,
        "seeds": seeds,
        "design": SETTINGS | {"sandbox": sandbox},
        "parallel": parallel,
        "executor": "ray",
        "ray_address": ADDRESS,
        "retries": 2,
        "out": str(out / "batches"),
    }
    path.write_text(yaml.safe_dump(spec))
    return path


def job_kind(process: psutil.Process) -> str | None:
    """The kind of sandbox job ``process`` runs, read from the worker's scratch dir its command line names."""
    try:
        for argument in process.cmdline():
            scratch = re.search(r"\S*/rewardsmith-job-[^/\s]+", argument)
            if scratch is not None:
                return json.loads((Path(scratch.group()) / "job" / "job.json").read_text())["job"]["kind"]
    except (psutil.Error, OSError, ValueError, KeyError):
        return None
    return None


def cmdline(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def node_tree(root: subprocess.Popen[bytes]) -> list[psutil.Process]:
    parent = psutil.Process(root.pid)
    return [parent, *parent.children(recursive=True)]


def worker_death(out: Path) -> dict:
    """Run 3 tasks × 2 seeds; kill the worker node while a training job runs on it."""
    from rewardsmith.batches import batch

    victim = NODES[1]
    spec = write_batch(out, ["cartpole", "point_reach", "pendulum"], [0, 1], "none", parallel=6)
    found: dict = {}
    done = threading.Event()

    def kill_when_training() -> None:
        while not done.is_set():
            try:
                tree = node_tree(victim)
            except psutil.Error:  # a process of the node ended while being looked at
                continue
            training = [p for p in tree if job_kind(p) == "train" and "rewardsmith.sandbox.runner" in cmdline(p)]
            if training:
                found["runner"] = cmdline(training[0])
                found["killed_at"] = time.time()
                kill_tree(victim)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_when_training, daemon=True)
    killer.start()
    try:
        summary = batch(spec)
    finally:
        done.set()
    assert found, "no training job ran on the worker node, so none was killed"
    return {"summary": json.loads(summary.model_dump_json()), **found}


def events(batch_dir: Path) -> list[dict]:
    found = []
    for log in batch_dir.glob("*/*/events.jsonl"):
        found += [json.loads(line) | {"run": log.parent.parent.name} for line in log.read_text().splitlines()]
    return found


def driver_death(out: Path) -> dict:
    """Run a batch from a driver process, SIGKILL it once a training job has finished, then ``--resume``."""
    spec = write_batch(out, ["cartpole"], [0, 1], "bwrap", parallel=2)
    command = [sys.executable, "-m", "rewardsmith", "batch"]
    driver = subprocess.Popen(
        [*command, str(spec)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    batches = out / "batches"
    deadline = time.monotonic() + 300
    batch_dir = None
    while time.monotonic() < deadline:
        assert driver.poll() is None, "the batch finished before its driver could be killed"
        dirs = list(batches.glob("*")) if batches.exists() else []
        if dirs:
            batch_dir = dirs[0]
            seen = events(batch_dir)
            if any(e["event"] == "train_finished" for e in seen):
                break
        time.sleep(0.05)
    else:
        raise AssertionError("no training job finished in time")
    os.killpg(driver.pid, signal.SIGKILL)
    driver.wait(timeout=30)
    assert batch_dir is not None
    before = events(batch_dir)
    finished_before = sorted({(e["run"], e["candidate"]) for e in before if e["event"] == "train_finished"})
    resumed = subprocess.run([*command, "--resume", str(batch_dir)], capture_output=True, text=True, timeout=400)
    return {
        "batch_dir": str(batch_dir),
        "resume_rc": resumed.returncode,
        "resume_stderr": resumed.stderr[-3000:],
        "finished_before": finished_before,
        "events": events(batch_dir),
    }


NODES: list[subprocess.Popen[bytes]] = []


def main() -> None:
    scenario, out = sys.argv[1], Path(sys.argv[2])
    # The cluster lives in a private network namespace with nothing else in it: no token to share.
    os.environ["RAY_AUTH_MODE"] = "disabled"
    temp_dir = Path(tempfile.mkdtemp(prefix="rs-ray-"))
    try:
        NODES.extend(start_cluster(temp_dir))
        result = {"worker-death": worker_death, "driver-death": driver_death}[scenario](out)
        result["ok"] = True
    except BaseException as error:  # the test reads the failure from the file
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    finally:
        stop_cluster(temp_dir, NODES)
        shutil.rmtree(temp_dir, ignore_errors=True)
    (out / "harness.json").write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
