"""A batch file with a text task, through ``rewardsmith batch`` on the local executor: the text run's verify
job goes to the executor's worker processes, its record sits in the run's folder, and ``batch.json``, the
page and the table show it with its family and fitness name.

One GRPO step of the embedded policy costs over a minute through a batch here (most of it loading the
model in the job), more than this suite can spend on it; so the run's one candidate is a planted reward that
pays length, which the text gate stops before training. Text training in the loop is tested in
tests/loop/test_design_text.py; the batch driver hands a text run's training job to its executor as it
does the verify job tested here (the ledger of a control batch's training jobs: tests/batches/test_local_batch.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import rewardsmith as rewardsmith_api
from rewardsmith.batches.summary import INDEX_FILE, SUMMARY_FILE, BatchSummary
from rewardsmith.loop.families.text import TEXT_GATE
from rewardsmith.loop.record import RunRecord
from tests.cli.test_app import assert_one_line_error, rewardsmith

LENGTH_HACK = Path(__file__).resolve().parents[2] / "bench" / "text_hack_set" / "length_hack.py"
SMALLEST = {
    "iterations": 1,
    "samples": 1,
    "steps": 1,
    "final_seeds": 0,
    "llm": "offline",
    "sandbox": "none",
    "seed_reward": str(LENGTH_HACK),
}


def test_a_text_task_runs_in_a_batch_and_shows_with_its_fitness_name(tmp_path: Path) -> None:
    batch_file = tmp_path / "text.yaml"
    batch_file.write_text(json.dumps({"tasks": ["arithmetic"], "design": SMALLEST, "out": str(tmp_path / "out")}))
    done = rewardsmith("batch", str(batch_file))
    assert done.returncode == 0, done.stderr
    assert "held_out_fitness" in done.stdout  # the live table's fitness column

    [batch_dir] = (tmp_path / "out").iterdir()
    summary = BatchSummary.model_validate_json((batch_dir / SUMMARY_FILE).read_text())
    [run] = summary.runs
    assert (run.key, run.family, run.fitness_name, run.state) == (
        "arithmetic-s0",
        "text",
        "held_out_fitness",
        "finished",
    )
    assert run.run_dir is not None and run.run_dir.parent == batch_dir / "arithmetic-s0"
    # The planted reward was verified on a worker, then stopped by the gate: one failure, nothing trained.
    assert (run.failures, run.best_fitness, run.iteration) == (1, None, 1)
    assert summary.jobs.model_dump() == {"submitted": 1, "done": 1, "retried": 0, "lost": 0}
    record = RunRecord.open(run.run_dir)
    status = record.status("i01-c00")
    assert (status.designer, status.stopped_at, status.reason_kind) == ("seed", "gate", "gate_probe")
    gate = record.read("i01-c00", TEXT_GATE)
    assert gate is not None and "padded" in gate.winners
    index = (batch_dir / INDEX_FILE).read_text()
    assert "<td>text</td>" in index and "<td>held_out_fitness</td>" in index
    assert f'href="arithmetic-s0/{run.run_dir.name}/report.html"' in index

    again = rewardsmith_api.batch(resume=batch_dir)  # the saved batch, text task and all, reads back
    assert again.runs == [run]
    assert again.jobs.submitted == 0


def test_a_text_tasks_refusal_stops_the_command_before_anything_is_made(tmp_path: Path) -> None:
    batch_file = tmp_path / "gpu.yaml"
    batch_file.write_text(f"tasks: [cartpole, arithmetic]\ngpus_per_job: 1\nout: {tmp_path / 'out'}\n")
    assert_one_line_error(rewardsmith("batch", str(batch_file)), "gpus_per_job: arithmetic (text)", "CPU only")
    assert not (tmp_path / "out").exists()
