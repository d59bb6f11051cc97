"""``rewardsmith report``: rewrites a finished run's page; anything else is one line that says what to do."""

from __future__ import annotations

import shutil
from pathlib import Path

from rewardsmith.loop.record import RunRecord
from tests.cli.test_app import assert_one_line_error, rewardsmith


def test_report_rewrites_the_page_and_prints_its_path(finished_run: RunRecord, tmp_path: Path) -> None:
    copy = tmp_path / finished_run.run_id
    shutil.copytree(finished_run.dir, copy, ignore=shutil.ignore_patterns("run.lock"))
    (copy / "report.html").unlink()
    result = rewardsmith("report", str(copy))
    assert result.returncode == 0, result.stderr
    assert f"report:      {copy / 'report.html'}" in result.stdout.splitlines()
    assert 'id="episodes"' in (copy / "report.html").read_text()


def test_a_directory_that_is_no_run(tmp_path: Path) -> None:
    assert_one_line_error(rewardsmith("report", str(tmp_path)), "is not a rewardsmith run")


def test_an_unfinished_run_says_to_resume(finished_run: RunRecord, tmp_path: Path) -> None:
    copy = tmp_path / finished_run.run_id
    shutil.copytree(finished_run.dir, copy, ignore=shutil.ignore_patterns("run.lock"))
    (copy / "summary.json").unlink()
    assert_one_line_error(rewardsmith("report", str(copy)), "has not finished", "rewardsmith resume")


def test_a_damaged_training_result_names_the_file(finished_run: RunRecord, tmp_path: Path) -> None:
    copy = tmp_path / finished_run.run_id
    shutil.copytree(finished_run.dir, copy, ignore=shutil.ignore_patterns("run.lock"))
    best = RunRecord.open(copy).summary().best_candidate_id
    (copy / "candidates" / best / "train.json").write_text('{"job_id": 3}')
    assert_one_line_error(rewardsmith("report", str(copy)), "train.json is damaged", "resume")
