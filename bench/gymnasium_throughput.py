"""Our wrapped MuJoCo tasks against plain Gymnasium, side by side; writes its section of BENCHMARKS.md.

For each task and vector size, alternating in one run: ``--repeats`` timings of ``--steps`` random
steps through rewardsmith's task (``Task.step``: clip, step every environment, extract the named
state, tensors, episode bookkeeping, same-step autoreset) and through ``gymnasium.make_vec(...,
vectorization_mode="sync")`` at the same size (Gymnasium's own batching of the same environments,
next-step autoreset, no state extraction). The figure is the ratio of the medians.

Run it with nothing else on the machine: ``python bench/gymnasium_throughput.py``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import gymnasium
import numpy as np
import torch
from markdown_table import write_section

from rewardsmith.tasks import load_task
from rewardsmith.tasks.adapters.mujoco_messages import mujoco_warnings_logged

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
START, END = "<!-- gymnasium_throughput:start -->", "<!-- gymnasium_throughput:end -->"
ENV_IDS = {"hopper": "Hopper-v5", "half_cheetah": "HalfCheetah-v5", "ant": "Ant-v5"}


def ours(name: str, num_envs: int, steps: int) -> float:
    task_class = load_task(name)
    task = task_class(num_envs=num_envs, seed=0)
    task.reset()
    generator = torch.Generator().manual_seed(0)
    actions = torch.rand((steps, num_envs, *task.action_shape), generator=generator) * 2 - 1
    started = time.perf_counter()
    for action in actions:
        task.step(action)
    return steps * num_envs / (time.perf_counter() - started)


def plain(env_id: str, num_envs: int, steps: int) -> float:
    with mujoco_warnings_logged():
        envs = gymnasium.make_vec(env_id, num_envs=num_envs, vectorization_mode="sync")
    envs.reset(seed=0)
    rng = np.random.default_rng(0)
    actions = rng.uniform(-1.0, 1.0, size=(steps, *envs.action_space.shape))
    started = time.perf_counter()
    for action in actions:
        envs.step(action)
    elapsed = time.perf_counter() - started
    envs.close()
    return steps * num_envs / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="*", default=list(ENV_IDS))
    parser.add_argument("--num-envs", nargs="*", type=int, default=[8, 32])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--note", default="", help="A sentence on the conditions, printed under the table.")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for name in args.tasks:
        for num_envs in args.num_envs:
            ours_runs, plain_runs = [], []
            for _ in range(args.repeats):
                ours_runs.append(ours(name, num_envs, args.steps))
                plain_runs.append(plain(ENV_IDS[name], num_envs, args.steps))
            a, b = statistics.median(ours_runs), statistics.median(plain_runs)
            rows.append(f"| {name} | {num_envs} | {a:,.0f} | {b:,.0f} | {a / b:.2f}× |")
            print(rows[-1], flush=True)
    lines = [
        "## Gymnasium adapter: wrapped MuJoCo tasks against plain Gymnasium",
        "",
        f"`python bench/gymnasium_throughput.py` on {platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} torch thread, {args.steps} random steps × {args.repeats} repeats, "
        "alternating, medians (env-steps/s). Ours: `Task.step`, which also extracts every named state "
        "variable, builds tensors and autoresets in the same step; plain: `gymnasium.make_vec(..., "
        'vectorization_mode="sync")` on the same environments. Target: ≥ 0.8×.',
        "",
        "| task | envs | ours | plain Gymnasium | ratio |",
        "|---|---|---|---|---|",
        *rows,
        *(["", args.note] if args.note else []),
    ]
    write_section(BENCHMARKS, START, END, lines)


if __name__ == "__main__":
    main()
