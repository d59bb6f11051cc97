"""The offline designer on Gymnasium's MuJoCo tasks: normalised score against Gymnasium's own reward.

Each task runs one offline design loop (rule-based agents, the strongest sandbox here) at a reduced
budget; its final evaluation retrains the best reward, Gymnasium's reward (the reference) and the
sparse reward on the same seeds, side by side. ``half_cheetah_backward`` has no reference reward, so
its row gives fitness only, with the trained policy's displacement as the evidence of direction. The
README's Gymnasium example (``examples/inverted_double_pendulum.py``, a user's environment written as a
state extractor alone) runs the same way: ``--tasks examples/inverted_double_pendulum.py:InvertedDoublePendulum``.
Run: ``.venv/bin/python bench/mujoco_design.py`` (about an hour on 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from markdown_table import write_section, write_table

from rewardsmith import design
from rewardsmith.loop.record import TRAIN, RunRecord
from rewardsmith.loop.results import FinalEvaluation, normalized_score
from rewardsmith.rewards.rubric import load_episodes
from rewardsmith.sandbox import TrainOutput
from rewardsmith.sandbox.artefacts import checkpoint_episodes

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "BENCHMARKS.md"
#: The README's Gymnasium example: a user's environment, designed for from its extractor alone.
EXAMPLE = "examples/inverted_double_pendulum.py:InvertedDoublePendulum"
START, END = "<!-- mujoco_design:start -->", "<!-- mujoco_design:end -->"


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def per_seed_scores(evaluation: FinalEvaluation) -> list[float]:
    """Each final seed of the best reward on the run's scale (the reference and sparse means as anchors)."""
    if evaluation.best is None or evaluation.reference is None:
        return []
    ref, sparse = evaluation.reference.mean, evaluation.sparse.mean
    if ref is None or sparse is None:
        return []
    return [score for f in evaluation.best.fitness if (score := normalized_score(f, ref, sparse)) is not None]


def displacement(run_dir: Path, candidate_id: str) -> tuple[float, float] | None:
    """Median net x displacement (m) and median mean x velocity (m/s) of the best candidate's last recorded
    episodes, read from the episodes its training recorded."""
    record = RunRecord.open(run_dir)
    train = record.read(candidate_id, TRAIN)
    trained = train.output_of(TrainOutput) if train is not None else None
    files = checkpoint_episodes(trained.training, record.training_dir(candidate_id)) if trained else []
    if not files:
        return None
    recording = load_episodes(files[-1][1])
    if "state/x_position" not in recording:
        return None  # not a locomotion task
    lengths = np.asarray(recording["length"])
    x = np.asarray(recording["state/x_position"])
    v = np.asarray(recording["state/x_velocity"])
    moved = [float(x[i][lengths[i] - 1] - x[i][0]) for i in range(len(lengths))]
    speed = [float(np.mean(v[i][: lengths[i]])) for i in range(len(lengths))]
    return statistics.median(moved), statistics.median(speed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="*", default=["hopper", "half_cheetah", "half_cheetah_backward", EXAMPLE])
    parser.add_argument("--steps", type=int, default=200_000, help="Env steps per training.")
    parser.add_argument("--iterations", type=int, default=2)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--rank", type=int, default=16, help="Drafts ranked on the pool per round.")
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--sandbox", default="auto")
    parser.add_argument("--out", type=Path, default=None, help="Where the runs go (default: a temporary dir).")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="rewardsmith-mujoco-"))
    rows: list[str] = []
    for name in args.tasks:
        start = time.perf_counter()
        # A task file is named from the repository root, whichever directory the bench runs in.
        result = design(
            str(ROOT / name) if ":" in name else name,
            out=out,
            steps=args.steps,
            iterations=args.iterations,
            samples=args.samples,
            rank=args.rank,
            parallel=args.parallel,
            sandbox=args.sandbox,
        )
        wall = time.perf_counter() - start
        evaluation = RunRecord.open(result.run_dir).read_json("final/evaluation.json", FinalEvaluation)
        best, ref, sparse = evaluation.best, evaluation.reference, evaluation.sparse
        seeds = per_seed_scores(evaluation)
        moved = displacement(result.run_dir, result.best_candidate_id) if result.best_candidate_id else None
        label = Path(name.split(":", 1)[0]).stem
        rows.append(
            f"| {label} | {fmt(result.normalized_score)} | "
            f"{', '.join(fmt(s) for s in seeds) or 'none possible (no reference reward)'} | "
            f"{fmt(best.mean if best else None)} ± {fmt(best.std if best else None)} | "
            f"{fmt(ref.mean) + ' ± ' + fmt(ref.std) if ref else '-'} | {fmt(sparse.mean)} ± {fmt(sparse.std)} | "
            f"{f'{fmt(moved[0])} m, {fmt(moved[1])} m/s' if moved else '-'} | "
            f"{len(evaluation.seeds)} × {evaluation.steps:,} | {wall / 60:.1f} min | `{result.run_dir.name}` |"
        )
        print(rows[-1], flush=True)
    if START not in BENCHMARKS.read_text():
        write_section(BENCHMARKS, START, END, [])
    # Rows of tasks not run this time are kept, so that one task can be measured again alone.
    section = write_table(
        BENCHMARKS,
        START,
        END,
        [
            "## The offline designer on MuJoCo tasks",
            "",
            f"One offline design loop per task ({args.iterations} rounds, each ranking {args.rank} drafts on the "
            f"gate's pool and training the best {args.samples}, {args.steps:,} env steps per training, "
            f"`--sandbox {args.sandbox}`, which is Docker here), then the loop's final "
            "evaluation: the best reward, Gymnasium's own reward (the reference) and the sparse reward, each "
            "retrained on the same seeds. Normalised score `(F − F_sparse) / |F_reference − F_sparse|` on mean "
            "fitness, then per seed. Displacement: the best candidate's last recorded episodes in its loop "
            "training (median net x displacement, median mean x velocity). `inverted_double_pendulum` is the "
            "README's Gymnasium example, a user's environment given as a state extractor. Rows are kept from the "
            "run their last column names; hopper's predates ranking and the linear speed term "
            "(a tanh velocity bonus; 2 candidates a round trained, none ranked). "
            "Written by `bench/mujoco_design.py`.",
        ],
        [
            "| task | normalised score | per seed | designed fitness | reference fitness | sparse fitness | "
            "displacement | seeds × steps | wall time | run |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ],
        rows,
    )
    print(section)


if __name__ == "__main__":
    main()
