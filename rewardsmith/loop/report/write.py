"""Write a finished run's report: summary.json and best_reward.py, the HTML page, the TensorBoard files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rewardsmith.loop.facts import TaskFacts
from rewardsmith.loop.record import RunRecord
from rewardsmith.loop.report import charts
from rewardsmith.loop.report.episodes import DrawnEpisode
from rewardsmith.loop.report.html import render
from rewardsmith.loop.report.model import CurvesOf, EpisodePick, GateEntryOf, ReportError, assemble
from rewardsmith.loop.report.summary import design_result, write_best_reward, write_summary
from rewardsmith.loop.report.tensorboard import EventsOf, write_events
from rewardsmith.loop.results import DesignResult, FinalEvaluation

REPORT = "report.html"


@dataclass(frozen=True)
class ReportTask:
    """What the report asks of the task's family: its facts, its trainings' curves and scalars, its gate's
    verdicts, and its episodes drawn."""

    facts: TaskFacts
    curves_of: CurvesOf
    gate_entry: GateEntryOf
    events_of: EventsOf
    #: Draws a recorded episode; None for a family whose analysis picks no episodes.
    draw: Callable[[EpisodePick], DrawnEpisode] | None = None


def write_report(
    record: RunRecord, task: ReportTask, evaluation: FinalEvaluation, history: Sequence[Any]
) -> DesignResult:
    """The report node's work: best_reward.py, the page and the TensorBoard files, and summary.json last.

    A run with summary.json is finished to every reader (resume, batches, ``show``), so a process killed
    between these writes leaves a run without it, which resume takes up at this node again.
    """
    result = design_result(record, evaluation, history)
    write_best_reward(record, result)
    write_html_report(record, task, result)
    write_summary(record, result)
    return result


def write_html_report(record: RunRecord, task: ReportTask, summary: DesignResult | None = None) -> Path:
    """Make ``report.html`` (and ``tensorboard/``) in a finished run's directory; return the page's path.

    ``summary`` is the run's result where the report node has it before summary.json is written.

    Raises:
        ReportError: The run has not finished, or a file of it cannot be read; one line says what to do.
    """
    facts = task.facts
    report = assemble(record, facts, task.curves_of, task.gate_entry, summary)
    evaluation = record.final_evaluation()
    assert evaluation is not None  # assemble() refused a run without one
    try:
        drawn = [task.draw(pick) for pick in report.episodes] if task.draw is not None else []
    except (OSError, ValueError, KeyError, IndexError) as error:
        raise ReportError(
            f"a recorded episode of {record.run_id} cannot be read ({error}); delete the candidate's training/ "
            "folder and train.json and resume, which trains it again"
        ) from None
    curves = report.best.curves if report.best is not None else None
    page = render(
        report,
        charts.fitness_per_round(report.candidates, facts.fitness_name),
        charts.lineage(report.candidates),
        charts.training_curves(curves, report.best.candidate_id, facts.fitness_name)
        if curves is not None and report.best is not None
        else None,
        drawn,
    )
    write_events(record, evaluation, task.events_of)
    return record.write_text(REPORT, page)
