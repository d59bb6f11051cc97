"""``rewardsmith bench``: every method on a task with the same seeds, its table and chart, and resuming."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rewardsmith.bench import BenchCell, BenchConfig, BenchResult
from rewardsmith.loop.results import RewardScores
from tests.cli.test_app import assert_one_line_error, rewardsmith
from tests.loop.test_design_loop import SMALL


def cell(task: str, method: str, mean: float) -> BenchCell:
    return BenchCell(
        task=task,
        method=method,
        scores=RewardScores(label=method, fitness=[mean], mean=mean, std=0.0),
        rl_runs=1,
        wall_time_s=1.0,
    )


def test_normalised_scores_come_from_the_same_tasks_baselines() -> None:
    config = BenchConfig(tasks=["cartpole", "pendulum"])
    result = BenchResult(
        config=config,
        cells=[
            cell("cartpole", "sparse", 10),
            cell("cartpole", "reference", 110),
            cell("cartpole", "offline", 60),
            cell("pendulum", "offline", 0.5),
        ],
    ).normalized()
    scores = {(c.task, c.method): c.normalized_score for c in result.cells}
    assert scores == {
        ("cartpole", "sparse"): 0.0,
        ("cartpole", "reference"): 1.0,
        ("cartpole", "offline"): 0.5,
        ("pendulum", "offline"): None,  # no baselines of its own in this benchmark
    }


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    """The command, given the time 14 trainings and a design run take on a busy 2-core machine."""
    return subprocess.run([sys.executable, "-m", "rewardsmith", *args], capture_output=True, text=True, timeout=900)


def test_bench_trains_every_method_on_the_same_seeds_and_resumes(tmp_path: Path) -> None:
    args = ["bench", "--tasks", "cartpole", "--methods", "sparse,reference,offline", "--seeds", "2"]
    args += ["--steps", "4000", "--iterations", "1", "--samples", "1", "--sandbox", SMALL["sandbox"]]
    args += ["--out", str(tmp_path)]
    first = bench(*args)
    assert first.returncode == 0, first.stderr[-3000:]
    result = BenchResult.model_validate_json((tmp_path / "bench.json").read_text())
    assert [c.method for c in result.cells] == ["sparse", "reference", "offline"]
    assert all(len(c.scores.fitness) == 2 for c in result.cells)
    offline = result.cell("cartpole", "offline")
    assert offline.run_dir is not None and offline.rl_runs > 2 and offline.best_id is not None
    table = (tmp_path / "bench.md").read_text().splitlines()
    assert table[0].startswith("| task | method | fitness (mean ± std)") and len(table) == 5
    assert "<svg" in (tmp_path / "bench.svg").read_text()
    trained = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("seed-*/result.json")}
    assert len(trained) == 6
    assert len(list(tmp_path.rglob("seed-*/tensorboard/events.out.tfevents.*"))) == 6
    # Run again: nothing is trained twice, no second design run, the same results.
    second = bench(*args)
    assert second.returncode == 0, second.stderr[-3000:]
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("seed-*/result.json")} == trained
    assert len(list((tmp_path / "cartpole" / "offline" / "design").iterdir())) == 1
    assert json.loads((tmp_path / "bench.json").read_text())["cells"] == result.model_dump(mode="json")["cells"]
    # Another budget would mix trainings that do not compare: refused, with what the folder holds.
    other = [*args[: args.index("--steps") + 1], "5000", *args[args.index("--steps") + 2 :]]
    assert_one_line_error(bench(*other), "--steps 4000", "another --out")


def test_an_unknown_method_is_one_line(tmp_path: Path) -> None:
    result = rewardsmith("bench", "--methods", "sparse,magic", "--out", str(tmp_path))
    assert_one_line_error(result, "--methods")
