"""The design loop on a text task end to end: the offline text agents, the text gate in the sandbox, GRPO on
the embedded policy in the sandbox, the final evaluation and the report, in the record a control run keeps.

The sandbox is the default one (docker where an engine answers, as in CI). GRPO runs one step per training,
so these tests show that every node does its part, not that the policy learns (BENCHMARKS.md has that).
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from rewardsmith import design, resume
from rewardsmith.loop.families.text import TEXT_GATE
from rewardsmith.loop.record import ANALYSIS, TRAIN, RunRecord
from rewardsmith.sandbox import TextTrainOutput
from rewardsmith.text.contract import load_text_reward
from rewardsmith.text.registry import load_text_task
from tests.loop.test_design_loop import SMALL

# Two jobs at once: each GRPO job takes one thread, and the final evaluation trains three.
TEXT_SMALL = {
    **SMALL,
    "steps": 1,
    "samples": 2,
    "iterations": 1,
    "job_timeout_s": 600,
    "verify_timeout_s": 60,
    "parallel": 2,
}
HACKS = Path(__file__).resolve().parents[2] / "bench" / "text_hack_set"


@pytest.fixture(scope="module")
def arithmetic_run(tmp_path_factory: pytest.TempPathFactory) -> RunRecord:
    # Round 1's first candidate is a planted reward that pays every character of working shown: the gate must
    # stop it, the spec corrector answer it, and round 2's designer close it.
    result = design(
        "arithmetic",
        out=tmp_path_factory.mktemp("runs"),
        seed_reward=HACKS / "length_hack.py",
        **{**TEXT_SMALL, "iterations": 2, "samples": 1},
    )
    return RunRecord.open(result.run_dir)


def test_a_planted_length_hack_is_stopped_at_the_gate_and_answered_by_spec_v2(arithmetic_run: RunRecord) -> None:
    record = arithmetic_run
    seeded = record.status("i01-c00")
    assert (seeded.designer, seeded.stage, seeded.stopped_at, seeded.reason_kind) == (
        "seed",
        "rejected",
        "gate",
        "gate_probe",
    )
    gate = record.read("i01-c00", TEXT_GATE)
    assert gate is not None and "padded" in gate.winners
    v2 = record.rubric(2)
    assert v2.parent_version == 1
    assert any(criterion.id.startswith("no_exploit_") for criterion in v2.criteria), v2.criteria
    started = [e for e in record.events() if e.get("event") == "round_started"]
    assert [e.get("rubric_version") for e in started] == [1, 2]
    # Round 2's designer was told which probe won, and no probe wins against its draft.
    verdict = record.read("i02-c00", TEXT_GATE)
    assert verdict is not None and verdict.winner is None, verdict


def test_an_offline_text_run_designs_gates_trains_and_reports(arithmetic_run: RunRecord) -> None:
    record = arithmetic_run
    statuses = record.statuses()
    assert [s.iteration for s in statuses] == [1, 2]
    trained = [s for s in statuses if s.stage == "trained"]
    # The offline text designer's draft passes the text gate, so it trains once with GRPO.
    assert [s.id for s in trained] == ["i02-c00"], [(s.id, s.stage, s.reason) for s in statuses]
    for status in trained:
        gate = record.read(status.id, TEXT_GATE)
        assert gate is not None and gate.passed and gate.winner is None
        result = record.read(status.id, TRAIN)
        assert result is not None and result.backend == TEXT_SMALL["sandbox"]
        output = result.output_of(TextTrainOutput)
        assert output is not None and [p.step for p in output.training.curve] == [0, 1]
        assert status.fitness == output.training.final_fitness
        analysis = record.read(status.id, ANALYSIS)
        assert analysis is not None and analysis.candidate_id == status.id
    evaluation = record.final_evaluation()
    assert evaluation is not None and len(evaluation.seeds) == 1
    assert evaluation.best is not None and evaluation.reference is not None
    for scores in (evaluation.best, evaluation.reference, evaluation.sparse):
        assert len(scores.fitness) == 1 and 0.0 <= scores.fitness[0] <= 1.0, scores
    summary = record.summary()
    assert summary is not None and summary.best_candidate_id in {s.id for s in trained}
    assert (record.dir / "best_reward.py").read_text().endswith(summary.best_code or "")
    page = (record.dir / "report.html").read_text()
    assert "arithmetic" in page and "held_out_fitness" in page and "gate_probe" in page
    # The gate section shows the text gate's evidence: what each probe was paid beside competence.
    assert "The gate stopped 1 of 2: i01-c00." in page
    assert "probe padded: median reward" in page and "(paid as much)" in page
    # TensorBoard holds each GRPO run's curve, the candidates' and the final evaluation's.
    for folder in ("i02-c00", f"final/best-seed{evaluation.seeds[0]}"):
        assert any((record.dir / "tensorboard" / folder).glob("events.out.tfevents.*")), folder


def test_the_best_text_reward_exports_and_scores_as_in_the_run(arithmetic_run: RunRecord, tmp_path: Path) -> None:
    out = tmp_path / "best_trl.py"
    done = subprocess.run(
        [sys.executable, "-m", "rewardsmith", "export", str(arithmetic_run.dir), "--to", "trl", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert out.with_suffix(".train.jsonl").exists()  # the run's task comes with it
    summary = arithmetic_run.summary()
    assert summary is not None and summary.best_code is not None
    task = load_text_task("arithmetic")
    examples = task.train[:4]
    completions = [e.solution for e in examples[:2]] + ["Answer: 0", "no idea"]
    prompts, answers, columns = [e.prompt for e in examples], [e.answer for e in examples], task.columns(examples)
    ours = load_text_reward(summary.best_code, tmp_path / "ours")(prompts, completions, answers, columns)
    # The exported file as TRL calls it: dataset columns by name, the reference answer as 'answer'.
    exported = runpy.run_path(str(out))["reward_func"]
    assert exported(prompts=prompts, completions=completions, answer=answers, **columns) == ours.rewards


def test_resuming_a_finished_text_run_redoes_nothing(arithmetic_run: RunRecord) -> None:
    before = len(arithmetic_run.events())
    result = resume(arithmetic_run.dir)
    assert result.best_candidate_id == arithmetic_run.summary().best_candidate_id  # type: ignore[union-attr]
    started = [e for e in arithmetic_run.events()[before:] if str(e.get("event", "")).endswith("_started")]
    assert started == []
