"""The design loop on simulator tasks: a user's Gymnasium env known only by its extractor, and a
variant with no reference reward, end to end through the default sandbox."""

from __future__ import annotations

from pathlib import Path

from rewardsmith import design
from rewardsmith.loop.record import RunRecord
from rewardsmith.loop.results import DesignResult
from tests.loop.test_design_loop import SMALL
from tests.tasks.adapters.test_gymnasium_task import EXAMPLE_REF

TINY = {**SMALL, "steps": 4_096, "final_seeds": 1, "job_timeout_s": 600, "verify_timeout_s": 60}


def test_a_users_gymnasium_env_is_designed_for_from_its_extractor_alone(tmp_path: Path) -> None:
    result = design(EXAMPLE_REF, out=tmp_path, iterations=1, samples=2, **TINY)
    assert isinstance(result, DesignResult)
    assert result.best_candidate_id is not None, "an offline candidate should train on the example task"
    record = RunRecord.open(result.run_dir)
    trained = record.status(result.best_candidate_id)
    assert trained.stage == "trained" and trained.fitness is not None
    assert 0.0 <= trained.fitness <= 1.0
    # The reference reward trained beside it on the final seed, so the score is defined.
    assert result.reference_fitness is not None and result.normalized_score is not None


def test_a_task_without_a_reference_reports_fitness_and_says_no_score_is_possible(tmp_path: Path) -> None:
    result = design("half_cheetah_backward", out=tmp_path, iterations=1, samples=1, **TINY)
    assert isinstance(result, DesignResult)
    assert result.reference_fitness is None and result.normalized_score is None
    assert result.fitness is not None
    report = (result.run_dir / "report.html").read_text()
    assert "no reference reward, so no normalised score is possible" in report
    # With no score, the summary gives the trajectory evidence: which way, and how far, the best episode went.
    summary = report.split('<section id="candidates">')[0]
    assert "<th>best episode</th>" in summary and "x displacement" in summary
    assert "drawn as half_cheetah_backward&#x27;s own drawing" in report  # the torso's path, not generic panels
