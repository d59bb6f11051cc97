"""``rewardsmith show``: every candidate of a run, its LLM usage and its result, or how to go on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rewardsmith.cli.common import console, errors, fail
from rewardsmith.cli.design import print_result
from rewardsmith.llm import AgentTotals, CallLog, LLMUsage
from rewardsmith.loop.lock import holder
from rewardsmith.loop.record import RunFileError, RunNotFoundError, RunRecord
from rewardsmith.loop.results import DesignResult, format_score


def show_command(run: Annotated[Path, typer.Argument(help="A run directory, runs/<run-id>.")]) -> None:
    """Summarise a run: every candidate with its status, fitness, normalised score and reason."""
    try:
        record = RunRecord.open(run)
        table = _candidates(record)
    except (RunNotFoundError, RunFileError) as error:
        raise fail(str(error)) from None
    console.print(table)
    _print_llm_usage(record)
    live = holder(record.dir)
    if live is not None:
        console.print(f"the run is live: {live}", soft_wrap=True)
    summary: DesignResult | None = None
    try:
        summary = record.summary()
    except RunFileError as error:
        errors.print(f"[bold yellow]{error}[/]", highlight=False, soft_wrap=True)
    if summary is not None:
        print_result(summary, record.config_record().config)
    elif live is None:
        console.print(f"the run has not finished; continue it with [bold]rewardsmith resume {run}[/]", soft_wrap=True)


def _candidates(record: RunRecord) -> Table:
    try:
        evaluation = record.final_evaluation()
    except RunFileError as error:
        errors.print(f"[bold yellow]{error}[/]", highlight=False, soft_wrap=True)
        evaluation = None
    table = Table("candidate", "status", "fitness", "norm. score", "reason", title=f"run {record.run_id}")
    for status in record.statuses():
        score = evaluation.normalize(status.fitness) if evaluation is not None else None
        stage = status.stage if status.stopped_at is None else f"{status.stage} at {status.stopped_at}"
        if status.hacking_suspected:
            stage += " (hacking?)"
        reason = f"{status.reason_kind}: {status.reason}" if status.reason_kind else ""
        table.add_row(
            status.id,
            stage,
            format_score(status.fitness),
            format_score(score),
            reason[:120].replace("\n", " "),
        )
    return table


def _print_llm_usage(record: RunRecord) -> None:
    calls = CallLog.read(record.dir)
    if not calls:
        return
    usage = LLMUsage.of(calls, record.config_record().config.budget_tokens)
    models: dict[str, set[str]] = {}
    for call in calls:
        models.setdefault(call.agent, set()).add(call.model)
    table = Table(
        "agent", "model", "calls", "failed", "prompt tok.", "completion tok.", "latency (s)", "cost", title="LLM calls"
    )

    def row(name: str, model: str, totals: AgentTotals) -> None:
        cost = "-" if totals.cost_usd is None else f"${totals.cost_usd:.4f}"
        table.add_row(
            name,
            model,
            str(totals.calls),
            str(totals.failed_calls),
            f"{totals.prompt_tokens:,}",
            f"{totals.completion_tokens:,}",
            f"{totals.latency_s:.1f}",
            cost,
        )

    for agent, totals in usage.agents.items():
        row(agent, ", ".join(sorted(models[agent])), totals)
    row("all", "", usage.total)
    console.print(table)
    if usage.budget_tokens is not None:
        console.print(f"token budget: {usage.total.total_tokens:,} of {usage.budget_tokens:,} spent")
