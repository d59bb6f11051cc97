"""A batch through the Python API on the local executor: one run directory per task and seed, a
``batch.json`` and a page linking each run's report; resuming a finished batch runs nothing again."""

from __future__ import annotations

import json
from pathlib import Path

import rewardsmith
from rewardsmith.batches.summary import INDEX_FILE, SUMMARY_FILE
from rewardsmith.executors import JOBS_LEDGER, read_ledger

QUICK = {"iterations": 1, "samples": 1, "steps": 2048, "llm": "offline", "final_seeds": 0, "gate_pool": False}


def test_a_local_batch_records_each_run_and_resuming_it_runs_nothing(tmp_path: Path) -> None:
    spec = {"tasks": ["cartpole"], "seeds": [0], "design": QUICK | {"sandbox": "none"}, "out": str(tmp_path)}
    summary = rewardsmith.batch(spec)
    [run] = summary.runs
    assert run.state == "finished" and run.best_fitness is not None and run.run_dir is not None
    assert run.run_dir.parent == summary.batch_dir / "cartpole-s0"
    assert (run.run_dir / "summary.json").exists()
    assert summary.jobs.model_dump() == {"submitted": 3, "done": 3, "retried": 0, "lost": 0}
    written = json.loads((summary.batch_dir / SUMMARY_FILE).read_text())
    assert written["runs"][0]["state"] == "finished"
    index = (summary.batch_dir / INDEX_FILE).read_text()
    assert f'href="cartpole-s0/{run.run_dir.name}/report.html"' in index

    again = rewardsmith.batch(resume=summary.batch_dir)
    assert again.runs[0].state == "finished" and again.runs[0].best_fitness == run.best_fitness
    assert again.jobs.submitted == 0
    assert len(read_ledger(summary.batch_dir / JOBS_LEDGER)) == 6  # the first driver's 3 jobs, sent and done
