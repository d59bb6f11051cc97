"""The end of a run in files: best_reward.py and summary.json (the DesignResult)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rewardsmith.loop.ranking import RoundRanking
from rewardsmith.loop.record import RunRecord
from rewardsmith.loop.results import DesignResult, FinalEvaluation, IterationRecord


def design_result(record: RunRecord, evaluation: FinalEvaluation, history: Sequence[Any]) -> DesignResult:
    """Assemble the DesignResult of a finished run from its record."""
    config = record.config_record().config
    statuses = record.statuses()
    best_id = evaluation.best_id
    best_code = record.candidate(best_id).code if best_id else None
    best_status = record.status(best_id) if best_id else None
    return DesignResult(
        run_id=record.run_id,
        run_dir=record.dir,
        task=config.task,
        designer=config.designer_label,
        best_candidate_id=best_id,
        best_code=best_code,
        best_reward_path=record.path(record.BEST_REWARD) if best_code else None,
        training_fitness=best_status.fitness if best_status else None,
        fitness=evaluation.best.mean if evaluation.best else None,
        fitness_std=evaluation.best.std if evaluation.best else None,
        normalized_score=evaluation.normalized_score,
        reference_fitness=evaluation.reference.mean if evaluation.reference else None,
        sparse_fitness=evaluation.sparse.mean,
        candidates=len(statuses),
        trained=sum(s.stage == "trained" for s in statuses),
        rejected=sum(s.stage == "rejected" for s in statuses),
        history=[IterationRecord.model_validate(dict(h)) for h in history],
        ranked=sum(ranking.ranked for ranking in record_rankings(record)),
    )


def record_rankings(record: RunRecord) -> list[RoundRanking]:
    """Every round's ranking on the pool, in round order; empty where the run ranked nothing."""
    paths = sorted(record.path("rankings").glob("*.json"))
    return [RoundRanking.model_validate_json(path.read_text()) for path in paths]


def write_best_reward(record: RunRecord, result: DesignResult) -> None:
    """Write best_reward.py, the best candidate's code under a header naming the run; nothing if none."""
    if result.best_code is not None:
        header = f"# rewardsmith run {record.run_id}: best reward ({result.best_candidate_id}), by {result.designer}\n"
        record.write_text(record.BEST_REWARD, header + result.best_code)


def write_summary(record: RunRecord, result: DesignResult) -> None:
    """Write summary.json, which marks the run finished: whoever reads the record takes a run with it as
    done, so it is written after every other file of the run's end."""
    record.write_json(record.SUMMARY, result)
