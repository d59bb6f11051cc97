"""Wall time of the same 6-run batch on each executor, side by side; writes its section of BENCHMARKS.md.

The batch: cartpole, point_reach and pendulum × seeds 0 and 1, one round of one candidate each (the
offline designer; 2,048 PPO steps; no final retraining, no gate pool), every job in the process sandbox
backend so that the figures are the executors' and not an isolation's. Three settings, run in turn
``--repeats`` times (interleaved, so that a change of the machine's load falls on all of them):

* ``local`` at ``--parallel 1``: one run at a time, one pool process;
* ``local`` at ``--parallel 2``: two runs at once, two pool processes;
* ``ray``: a Ray cluster started by the batch on this machine with 2 CPUs (2 worker processes), two runs at once.

Ray must stay on loopback, so the script runs itself inside a fresh network namespace
(``unshare --net``) where loopback is the only interface.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from markdown_table import write_section

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
START, END = "<!-- batch_executors:start -->", "<!-- batch_executors:end -->"
IN_NAMESPACE = "REWARDSMITH_BENCH_NETNS"
SETTINGS = {
    "iterations": 1,
    "samples": 1,
    "steps": 2048,
    "llm": "offline",
    "final_seeds": 0,
    "gate_pool": False,
    "sandbox": "none",
}
MODES = {"local, --parallel 1": ("local", 1), "local, --parallel 2": ("local", 2), "ray, 2 workers": ("ray", 2)}


def in_namespace() -> None:
    """Run this script again inside a private network namespace, and leave with its status."""
    if shutil.which("unshare") is None:
        raise SystemExit("needs unshare (util-linux) to keep Ray on loopback")
    command = " ".join([sys.executable, *map(str, sys.argv)])
    env = os.environ | {IN_NAMESPACE: "1", "RAY_AUTH_MODE": "disabled"}
    raise SystemExit(
        subprocess.run(["unshare", "--net", "bash", "-c", f"ip link set lo up && exec {command}"], env=env).returncode
    )


def one_batch(executor: str, parallel: int, out: Path) -> tuple[float, dict[str, float | None]]:
    """Seconds of one batch, from the call to its summary, and each run's best fitness."""
    from rewardsmith.batches import batch

    spec = {
        "tasks": ["cartpole", "point_reach", "pendulum"],
        "seeds": [0, 1],
        "design": SETTINGS,
        "out": str(out),
        "executor": executor,
        "parallel": parallel,
    }
    started = time.monotonic()
    summary = batch(spec)
    seconds = time.monotonic() - started
    unfinished = [run.key for run in summary.runs if run.state != "finished"]
    if unfinished:
        raise SystemExit(f"{executor} at {parallel}: runs did not finish: {unfinished}")
    return seconds, {run.key: run.best_fitness for run in summary.runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="Batches per setting; the median is reported.")
    args = parser.parse_args()
    if os.environ.get(IN_NAMESPACE) != "1":
        in_namespace()

    load_before = os.getloadavg()
    seconds: dict[str, list[float]] = {name: [] for name in MODES}
    fitness: dict[str, dict[str, float | None]] = {}
    with tempfile.TemporaryDirectory(prefix="rewardsmith-bench-batch-") as scratch:
        for repeat in range(args.repeats):
            for name, (executor, parallel) in MODES.items():
                took, best = one_batch(executor, parallel, Path(scratch) / f"{repeat}-{executor}-{parallel}")
                seconds[name].append(took)
                fitness.setdefault(name, best)
                print(f"{name}: {took:.1f} s", flush=True)
    load_after = os.getloadavg()
    median = {name: statistics.median(values) for name, values in seconds.items()}
    same = len({tuple(sorted(best.items())) for best in fitness.values()}) == 1
    serial, pair, ray = (median[name] for name in MODES)
    lines = [
        "## Batch runs on each executor (`bench/batch_executors.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()} (2 cores, no GPU); "
        f"the same 6-run batch (3 tasks × 2 seeds, one round of one candidate, 2,048 PPO steps, process sandbox) "
        f"{args.repeats} times per setting, interleaved; medians. **The machine was shared with two other "
        f"engineers' work while this ran** (load average {load_before[0]:.1f} at the start, {load_after[0]:.1f} at "
        "the end, on 2 cores), so absolute seconds are inflated and noisy; the ratios, measured side by side, are "
        "the figure.",
        "",
        "| executor | median wall, s | runs |",
        "|---|---|---|",
        *(f"| {name} | {median[name]:.1f} | {', '.join(f'{v:.1f}' for v in seconds[name])} |" for name in MODES),
        "",
        f"- local `--parallel 1` / `--parallel 2`: **{serial / pair:.2f}×**",
        f"- local `--parallel 1` / Ray with 2 workers: **{serial / ray:.2f}×**",
        f"- local `--parallel 2` / Ray with 2 workers: **{pair / ray:.2f}×**",
        f"- every run's best fitness is the same on all three: {'yes' if same else 'NO'}",
        "",
        "Each run is three sandbox jobs (verify, train, rescore), each a fresh interpreter that imports torch, "
        "so jobs, not the executors, take the time. On a machine shared with other work, two processes also "
        "get about twice the share of the CPUs that one gets, which is part of what `--parallel 2` gains here. "
        "Where the Ray and local medians are within the spread of their runs, Ray's cluster start and the hop "
        "of each job to a worker cost nothing that this batch can measure.",
    ]
    print(write_section(BENCHMARKS, START, END, lines))


if __name__ == "__main__":
    main()
