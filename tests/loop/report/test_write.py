"""The end of a run is written so that a run with summary.json always has its report too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rewardsmith.loop.families.control import ControlFamily
from rewardsmith.loop.record import RunRecord
from rewardsmith.loop.report import write
from rewardsmith.tasks import load_task


class Killed(BaseException):
    """Stands for the process dying while the page is rendered."""


def test_summary_json_is_written_after_the_report_so_a_cut_off_end_is_taken_up_again(
    finished_run: RunRecord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(finished_run.dir, tmp_path / finished_run.dir.name)
    record = RunRecord.open(tmp_path / finished_run.dir.name)
    history = finished_run.summary().history
    evaluation = record.final_evaluation()
    for name in (record.SUMMARY, write.REPORT):
        record.path(name).unlink()

    def die(*args: object, **kwargs: object) -> str:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(write, "render", die)
        with pytest.raises(Killed):
            write.write_report(record, ControlFamily(load_task("cartpole")).report_task, evaluation, history)
    # Without summary.json the run is unfinished to resume and to batches, which run this node again.
    assert record.summary() is None and not record.exists(write.REPORT)

    result = write.write_report(record, ControlFamily(load_task("cartpole")).report_task, evaluation, history)
    assert record.exists(write.REPORT) and record.summary() == result
    assert result.best_candidate_id == finished_run.summary().best_candidate_id
