"""Run the offline design loop on every built-in task; write the score table to README.md.

Each task runs ``rewardsmith.design`` with its defaults (rule-based agents, the process sandbox,
the task's own training budget), and the loop's final evaluation retrains the best reward, the
reference and the sparse reward on the same seeds. Run: ``.venv/bin/python bench/design_offline.py``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from markdown_table import write_table

from rewardsmith import design
from rewardsmith.loop.record import RunRecord
from rewardsmith.loop.results import FinalEvaluation
from rewardsmith.tasks import task_names

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- design_offline:start -->", "<!-- design_offline:end -->"


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallel", type=int, default=2, help="Sandbox jobs at once.")
    parser.add_argument("--out", type=Path, default=None, help="Where the runs go (default: a temporary dir).")
    parser.add_argument("--tasks", nargs="*", default=task_names(), help="Tasks to run.")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="rewardsmith-bench-"))
    rows = []
    for name in args.tasks:
        start = time.perf_counter()
        result = design(name, out=out, parallel=args.parallel)
        wall = time.perf_counter() - start
        evaluation = RunRecord.open(result.run_dir).read_json("final/evaluation.json", FinalEvaluation)
        ref, sparse = evaluation.reference, evaluation.sparse
        best = evaluation.best
        rows.append(
            f"| {name} | {fmt(result.normalized_score)} | 1.00 | 0.00 | "
            f"{fmt(best.mean if best else None)} ± {fmt(best.std if best else None)} | "
            f"{fmt(ref.mean)} ± {fmt(ref.std)} | {fmt(sparse.mean)} ± {fmt(sparse.std)} | "
            f"{evaluation.steps:,} | {result.candidates} ({result.rejected} rejected) | {wall / 60:.1f} min |"
        )
        print(rows[-1], flush=True)
    table = write_table(
        README,
        START,
        END,
        [
            "Normalised score `(F − F_sparse) / |F_reference − F_sparse|` of the best offline-designed reward, "
            f"retrained on {len(evaluation.seeds)} final seeds beside the reference and sparse rewards (mean ± std of "
            "task fitness). Defaults: 2 rounds × 4 candidates, `--parallel 2`, 2 CPU cores. "
            "Written by `bench/design_offline.py`."
        ],
        [
            "| task | designed | reference | sparse | designed fitness | reference fitness | sparse fitness | "
            "steps per run | candidates | wall time |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ],
        rows,
    )
    print(table)


if __name__ == "__main__":
    main()
