"""Put a `rewardsmith bench` into the README: its table between the bench markers, its chart as
docs/bench.svg, both drawn from bench.json (so a benchmark still running shows as far as it got).

Run by `make compare` after the benchmark; alone: ``.venv/bin/python bench/compare_readme.py runs/bench``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from markdown_table import write_section

from rewardsmith.bench import BENCH_JSON, BenchResult, chart, markdown_table

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="The benchmark's --out folder.")
    parser.add_argument("--wall", default=None, help="How long the whole command took, for the preamble.")
    args = parser.parse_args()
    result = BenchResult.model_validate_json((args.out / BENCH_JSON).read_text())
    config = result.config
    steps = f"{config.steps:,} env steps per training" if config.steps else "each task's own step budget"
    took = f" The whole benchmark took {args.wall}." if args.wall else ""
    preamble = (
        f"Best-checkpoint fitness (deterministic policy, 32 evaluation episodes), mean ± std over "
        f"{config.seeds} seeds (10000, 10001, ...), {steps}; offline: {config.iterations} rounds × "
        f"{config.samples} candidates, then its best retrained on the seeds. Sandbox `{config.sandbox}`, "
        f"`--parallel {config.parallel}`, a shared 2-core machine. Wall time: the seeds' trainings summed "
        f"(they ran {config.parallel} at a time), plus the design run's own.{took} Written by `make compare`."
    )
    write_section(ROOT / "README.md", START, END, [preamble, "", markdown_table(result).rstrip("\n"), "",
                                                   "![" + chart(result).alt + "](docs/bench.svg)"])  # fmt: skip
    (ROOT / "docs" / "bench.svg").write_text(chart(result).svg)


if __name__ == "__main__":
    main()
