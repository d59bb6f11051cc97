"""The offline designer ranking on the gate's pool before RL, against the reference reward; into BENCHMARKS.md.

Per task, one design loop with ranking (``--rank`` drafts a round scored on the pool, the best
``--samples`` trained), its best reward retrained on the final seeds beside the reference and the
sparse reward. Each seed's fitness is normalised against the reference's and sparse's means; the
table quotes the median and the lowest seed, today's score beside it (README's offline table, the
loop without ranking at 2 rounds × 4 trained), and the RL runs each loop spent on candidates.
``--baseline-tasks`` also runs the loop without ranking at ``--baseline-samples`` (for a task that has
no figure today), side by side. Run: ``.venv/bin/python bench/design_ranked.py``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from markdown_table import merge_rows, write_section

from rewardsmith import design
from rewardsmith.loop.record import RunRecord
from rewardsmith.loop.results import DesignResult, FinalEvaluation, normalized_score

ROOT = Path(__file__).resolve().parent.parent
GOAL_TASK = "examples/goal_reach.py:GoalReach"
#: The built-in torch tasks; the MuJoCo ones need ten times the steps and are measured apart.
TORCH_TASKS = ("acrobot", "cartpole", "mountain_car", "pendulum", "point_reach")
START, END = "<!-- design_ranked:start -->", "<!-- design_ranked:end -->"
README_START = "<!-- design_offline:start -->"


def todays_scores() -> dict[str, str]:
    """The README's offline table: each task's score from the loop without ranking (2 rounds × 4 trained)."""
    block = (ROOT / "README.md").read_text().split(README_START, 1)[1].split("<!--", 1)[0]
    rows = [line.strip("|").split("|") for line in block.splitlines() if line.startswith("| ") and "---" not in line]
    return {cells[0].strip(): cells[1].strip() for cells in rows if cells[0].strip() != "task"}


def seed_scores(evaluation: FinalEvaluation) -> list[float]:
    """Each final seed's fitness of the best reward, normalised against the reference's and sparse's means."""
    if evaluation.best is None or evaluation.reference is None or evaluation.reference.mean is None:
        return []
    sparse = evaluation.sparse.mean if evaluation.sparse.mean is not None else 0.0
    scores = [normalized_score(f, evaluation.reference.mean, sparse) for f in evaluation.best.fitness]
    return [s for s in scores if s is not None]


def run(task: str, out: Path, **config: object) -> tuple[DesignResult, FinalEvaluation, float]:
    start = time.perf_counter()
    result = design(task, out=out, **config)
    assert isinstance(result, DesignResult)
    evaluation = RunRecord.open(result.run_dir).read_json("final/evaluation.json", FinalEvaluation)
    return result, evaluation, time.perf_counter() - start


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="*", default=[*TORCH_TASKS, GOAL_TASK])
    parser.add_argument("--baseline-tasks", nargs="*", default=[GOAL_TASK])
    parser.add_argument("--iterations", type=int, default=2)
    parser.add_argument("--samples", type=int, default=2, help="Candidates trained per round with ranking.")
    parser.add_argument("--rank", type=int, default=16, help="Drafts ranked on the pool per round.")
    parser.add_argument("--baseline-samples", type=int, default=4, help="Candidates trained per round without.")
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--sandbox", default="process")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="rewardsmith-bench-ranked-"))
    today = todays_scores()
    common = {"iterations": args.iterations, "parallel": args.parallel, "sandbox": args.sandbox}
    rows: list[str] = []
    table = ""
    plans = [(task, True) for task in args.tasks] + [(task, False) for task in args.baseline_tasks]
    for task, ranked in plans:
        samples = args.samples if ranked else args.baseline_samples
        result, evaluation, wall = run(task, out, samples=samples, rank=args.rank if ranked else 0, **common)
        name = evaluation_name(task)
        scores = seed_scores(evaluation)
        median = statistics.median(scores) if scores else None
        lowest = min(scores) if scores else None
        rows.append(
            f"| {name} | {'ranked' if ranked else 'not ranked'} | {fmt(median)} | {fmt(lowest)} | "
            f"{today.get(name, '-') if ranked else '-'} | {fmt(evaluation.best.mean if evaluation.best else None)} | "
            f"{fmt(evaluation.reference.mean if evaluation.reference else None)} | {fmt(evaluation.sparse.mean)} | "
            f"{result.ranked} | {result.trained} of {result.candidates} | {wall / 60:.1f} min |"
        )
        print(rows[-1], flush=True)
        # Written after every loop, so that a bench cut short still leaves its rows; rows of the tasks (and
        # loops) not run this time are kept, so that one task can be measured again alone.
        merged = merge_rows(ROOT / "BENCHMARKS.md", START, END, rows, key_cells=2)
        table = write_section(ROOT / "BENCHMARKS.md", START, END, section(args, merged, len(evaluation.seeds)))
    print(table)


def section(args: argparse.Namespace, rows: list[str], seeds: int) -> list[str]:
    # Each ranked row's RL runs on candidates ('trained' is "N of M") against the loop without ranking.
    baseline_runs = args.iterations * args.baseline_samples
    saved = [
        1 - int(cells[9].split(" of ")[0]) / baseline_runs
        for cells in (row.strip("|").split("|") for row in rows)
        if cells[1].strip() == "ranked"
    ]
    return [
        "## The offline designer, ranking on the pool before RL (`bench/design_ranked.py`)",
        "",
        f"Offline loops, {args.iterations} rounds; with ranking, {args.rank} drafts a round scored on the gate's "
        f"pool and the best {args.samples} trained; without, {args.baseline_samples} a round trained. The best "
        f"reward retrained on {seeds} final seeds beside the reference and sparse rewards; "
        "each seed's fitness normalised `(F − F_sparse) / (F_reference − F_sparse)` on the means (median and "
        "lowest seed). 'today' is README's offline table: the loop before structure and ranking, 2 rounds × 4 "
        f"trained. `--parallel {args.parallel}`, `--sandbox {args.sandbox}`, 2 shared CPU cores.",
        "",
        "| task | loop | normalised (median) | lowest seed | today | designed fitness | reference | sparse | "
        "drafts ranked | trained | wall |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"RL runs on candidates saved by ranking, against the {args.iterations} × {args.baseline_samples} loop: "
        f"median {statistics.median(saved):.0%} per task."
        if saved
        else "",
    ]


def evaluation_name(task: str) -> str:
    return task.rsplit(":", 1)[0].rsplit("/", 1)[-1].removesuffix(".py") if ":" in task else task


if __name__ == "__main__":
    main()
