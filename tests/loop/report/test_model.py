"""The report's content, assembled from a real run's record."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rewardsmith.loop.families.control import ControlFamily
from rewardsmith.loop.record import GATE, TRAIN, RunRecord
from rewardsmith.loop.report import ReportError
from rewardsmith.loop.report.model import Report, assemble, control_gate_entry, ppo_curves
from rewardsmith.tasks import load_task


def report_of(record: RunRecord) -> Report:
    return assemble(record, ControlFamily(load_task("cartpole")).facts, ppo_curves, control_gate_entry)


def test_every_candidate_is_there_with_the_best_marked_and_its_lineage(finished_run: RunRecord) -> None:
    report = report_of(finished_run)
    assert [c.id for c in report.candidates] == [s.id for s in finished_run.statuses()]
    best = [c for c in report.candidates if c.best]
    assert len(best) == 1 and best[0].id == finished_run.summary().best_candidate_id
    second_round = [c for c in report.candidates if c.iteration == 2]
    assert second_round and all(c.parent_id in {p.id for p in report.candidates} for c in second_round)


def test_the_summary_counts_what_the_record_holds(finished_run: RunRecord) -> None:
    summary = report_of(finished_run).summary
    statuses = finished_run.statuses()
    evaluation = finished_run.final_evaluation()
    # The gate pool's reference training, each candidate trained, and best, reference and sparse per seed.
    assert summary.rl_runs == 1 + sum(finished_run.has(s.id, TRAIN) for s in statuses) + 3 * len(evaluation.seeds)
    assert summary.saved_by_gate == sum(s.stopped_at == "gate" for s in statuses)
    assert summary.rounds == 2
    assert summary.best_fitness == evaluation.best.mean
    assert summary.wall_time_s is not None and summary.wall_time_s > 0
    assert summary.backends and summary.tokens == 0 and summary.cost_usd is None
    # Offline, with the pool: every round ranked 16 drafts before RL and kept its 2 (the seed reward replaced one).
    assert summary.ranked == 2 * 16 and summary.candidates == 2 * 2


def test_the_page_the_design_run_wrote_has_its_wall_time(finished_run: RunRecord) -> None:
    page = finished_run.path("report.html").read_text()
    assert "<th>wall time</th><td>" in page and "<th>wall time</th><td>-</td>" not in page


def test_the_planted_hack_is_stopped_by_the_gate_with_its_evidence(finished_run: RunRecord) -> None:
    report = report_of(finished_run)
    seed = next(g for g in report.gate if g.candidate_id == "i01-c00")
    assert finished_run.read("i01-c00", GATE) is not None
    assert not seed.passed and seed.report is not None
    assert any(p.outscored for p in seed.report.probes)


def test_best_reward_shows_its_code_without_the_genome_and_its_curves(finished_run: RunRecord) -> None:
    best = report_of(finished_run).best
    assert best is not None and best.curves is not None
    assert "def compute_reward" in best.code and "rewardsmith-genome" not in best.code
    assert set(best.curves.components) and len(best.curves.steps) == len(best.curves.fitness)


def test_best_and_worst_episodes_are_picked_from_declared_files(finished_run: RunRecord) -> None:
    episodes = report_of(finished_run).episodes
    assert [e.label for e in episodes] == ["best", "worst"]
    assert all(e.file.is_file() and e.file.is_relative_to(finished_run.dir) for e in episodes)
    assert episodes[0].fitness >= episodes[1].fitness


def copy_of(record: RunRecord, tmp_path: Path) -> RunRecord:
    shutil.copytree(record.dir, tmp_path / record.run_id, ignore=shutil.ignore_patterns("run.lock"))
    return RunRecord.open(tmp_path / record.run_id)


def test_an_unfinished_run_says_to_resume_it(finished_run: RunRecord, tmp_path: Path) -> None:
    copy = copy_of(finished_run, tmp_path)
    copy.path(copy.SUMMARY).unlink()
    with pytest.raises(ReportError, match=r"has not finished.*rewardsmith resume"):
        report_of(copy)


def test_a_damaged_file_is_named_with_how_to_recover(finished_run: RunRecord, tmp_path: Path) -> None:
    copy = copy_of(finished_run, tmp_path)
    copy.path("candidates/i01-c00/gate.json").write_text("{not json")
    with pytest.raises(ReportError, match=r"gate\.json is damaged.*resume"):
        report_of(copy)
