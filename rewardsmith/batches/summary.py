"""What a batch records of itself: ``batch.json`` (every run's state and score, and the jobs counted) and
``index.html``, one page linking each run's report."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from rewardsmith.executors import ExecutorName, JobCounts
from rewardsmith.loop.facts import TaskFamily
from rewardsmith.loop.results import format_score

RunState = Literal["pending", "running", "finished", "failed", "interrupted"]
"""Where a run of the batch is: not started, running, finished with a summary, ended by an error, or
stopped with the batch (``--resume`` continues it)."""

SUMMARY_FILE = "batch.json"
SPEC_FILE = "spec.json"
INDEX_FILE = "index.html"


class RunEntry(BaseModel):
    """One run of the batch."""

    key: str = Field(description="The run's folder under the batch directory: task and seed.")
    task: str
    seed: int
    family: TaskFamily = Field(description="The family of the task: its runs train by PPO (control) or GRPO (text).")
    fitness_name: str = Field(
        description="What the run's fitness measures, e.g. 'episode_length' or 'held_out_fitness' (a text task's "
        "trusted checker on its held-out prompts)."
    )
    state: RunState = "pending"
    run_dir: Path | None = Field(default=None, description="The run directory, once made.")
    iteration: int = 0
    iterations: int = 0
    best_fitness: float | None = None
    normalized_score: float | None = None
    failures: int = Field(default=0, description="Candidates rejected or failed so far.")
    error: str | None = Field(default=None, description="Why the run ended without a summary.")


class BatchSummary(BaseModel):
    """``batch.json``."""

    batch_dir: Path
    executor: ExecutorName
    runs: list[RunEntry]
    jobs: JobCounts = Field(default_factory=JobCounts, description="This driver's jobs; a resume counts anew.")
    wall_time_s: float = 0.0

    @property
    def finished(self) -> bool:
        return all(run.state == "finished" for run in self.runs)


def write_summary(summary: BatchSummary) -> None:
    """Write ``batch.json`` and ``index.html`` whole, each through a temporary file, so a killed driver
    leaves the previous version rather than half of one."""
    _replace(summary.batch_dir / SUMMARY_FILE, summary.model_dump_json(indent=2))
    _replace(summary.batch_dir / INDEX_FILE, index_page(summary))


def _replace(path: Path, text: str) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text)
    temporary.replace(path)


def index_page(summary: BatchSummary) -> str:
    """The batch's page: one row per run, linking the run's own report."""
    rows = []
    for run in summary.runs:
        report = run.run_dir / "report.html" if run.run_dir is not None else None
        if report is not None and report.exists():
            link = f'<a href="{html.escape(str(report.relative_to(summary.batch_dir)))}">report</a>'
        else:
            link = "-"
        cells = [
            run.key,
            run.task,
            run.family,
            str(run.seed),
            run.state,
            f"{run.iteration}/{run.iterations}",
            run.fitness_name,
            format_score(run.best_fitness),
            format_score(run.normalized_score),
            str(run.failures),
        ]
        error = f"<br><small>{html.escape(run.error)}</small>" if run.error else ""
        rows.append(
            "<tr>"
            + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells[:-1])
            + f"<td>{html.escape(cells[-1])}</td><td>{link}{error}</td></tr>"
        )
    jobs = summary.jobs
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>rewardsmith batch {html.escape(summary.batch_dir.name)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}</style></head><body>
<h1>Batch {html.escape(summary.batch_dir.name)}</h1>
<p>executor: {html.escape(summary.executor)}; jobs: {jobs.submitted} sent, {jobs.done} done, {jobs.retried} retried
after a lost worker, {jobs.lost} lost; wall time {summary.wall_time_s:.1f} s</p>
<table><tr><th>run</th><th>task</th><th>family</th><th>seed</th><th>state</th><th>round</th><th>fitness</th>
<th>best fitness</th>
<th>normalised score</th><th>failures</th><th>report</th></tr>
{chr(10).join(rows)}
</table></body></html>
"""
