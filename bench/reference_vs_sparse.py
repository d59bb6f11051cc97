"""Train every built-in task with its reference and its sparse reward; write the table to README.md.

Each row uses the task's own PPO hints (steps included) and the same seeds for both rewards, so the
two columns differ only in the reward. Run: ``.venv/bin/python bench/reference_vs_sparse.py``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from markdown_table import write_table

from rewardsmith.rewards import load_reward
from rewardsmith.tasks import load_task, task_names
from rewardsmith.training import TrainConfig, train

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- reference_vs_sparse:start -->", "<!-- reference_vs_sparse:end -->"


def run(name: str, which: str, seed: int) -> tuple[float, float, bool, float | None]:
    task_class = load_task(name)
    spec = task_class.spec
    code = spec.reference_reward_code if which == "reference" else spec.sparse_reward_code
    with tempfile.TemporaryDirectory() as tmp:
        reward = load_reward(code, spec, workdir=Path(tmp))
        result = train(task_class, reward, TrainConfig(seed=seed, device="cpu", record_episodes=0))
    print(f"{name:12s} {which:9s} seed {seed}: fitness {result.fitness:.3f} in {result.wall_time_s:.0f} s")
    # Wall time of training up to the first checkpoint whose evaluation reached the solved threshold.
    solved_at = next(
        (c.wall_time_s for c in result.checkpoints if c.eval_fitness >= spec.fitness.solved_threshold), None
    )
    return result.fitness, result.wall_time_s, result.solved, solved_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2, help="Seeds per task and reward.")
    parser.add_argument("--tasks", nargs="*", default=task_names(), help="Tasks to run (others keep their rows).")
    args = parser.parse_args()
    rows = []
    for name in args.tasks:
        spec = load_task(name).spec
        cells = {}
        for which in ("reference", "sparse"):
            outcomes = [run(name, which, seed) for seed in range(args.seeds)]
            fitness = [f for f, _, _, _ in outcomes]
            solved_times = [t for _, _, _, t in outcomes if t is not None]
            cells[which] = (
                statistics.mean(fitness),
                statistics.pstdev(fitness),
                sum(s for _, _, s, _ in outcomes),
                statistics.mean(t for _, t, _, _ in outcomes),
                max(solved_times) if solved_times else None,
            )
        ref, sparse = cells["reference"], cells["sparse"]
        rows.append(
            f"| {name} | {spec.fitness.name} | {spec.fitness.solved_threshold:g} | {spec.ppo.steps:,} | "
            f"{ref[0]:.3f} ± {ref[1]:.3f} ({ref[2]}/{args.seeds} solved, {ref[3]:.0f} s) | "
            f"{'-' if ref[4] is None else f'{ref[4]:.0f} s'} | "
            f"{sparse[0]:.3f} ± {sparse[1]:.3f} ({sparse[2]}/{args.seeds} solved, {sparse[3]:.0f} s) |"
        )
    table = write_table(
        README,
        START,
        END,
        [
            f"Best checkpoint fitness (deterministic policy, 32 evaluation episodes), mean ± std over {args.seeds} "
            "seeds, 2 CPU cores. 'Reference solved after' is the wall time of training up to the first checkpoint "
            "that reached the solved threshold (the slower seed). Written by `bench/reference_vs_sparse.py`."
        ],
        [
            "| task | fitness | solved at | env steps | reference reward | reference solved after | sparse reward |",
            "|---|---|---|---|---|---|---|",
        ],
        rows,
    )
    print(table)


if __name__ == "__main__":
    main()
