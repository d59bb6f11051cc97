"""``rewardsmith batch``: design rewards for every task and seed of a batch file, with a live table."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, get_args

import typer
from rich.live import Live
from rich.table import Table

from rewardsmith.batches import BatchDriver, BatchFileError, BatchSpec, BatchSummary, load_batch, read_batch_dir
from rewardsmith.batches.runner import create_batch_dir
from rewardsmith.batches.summary import INDEX_FILE, SUMMARY_FILE
from rewardsmith.cli.common import UserError, check_writable, console, errors, fail, print_path
from rewardsmith.cli.interrupts import EXIT_STATUS, leave, stops_cleanly
from rewardsmith.executors import ExecutorName, JobExecutor
from rewardsmith.loop.results import format_score
from rewardsmith.sandbox import UNISOLATED_WARNING, SandboxUnavailableError, choose_backend

EXECUTOR_NAMES: tuple[str, ...] = get_args(ExecutorName)


def batch_command(
    batch_file: Annotated[
        Path | None,
        typer.Argument(help="A batch file (YAML): tasks, seeds, design settings, parallel; see the README."),
    ] = None,
    executor: Annotated[
        str | None, typer.Option(help=f"Where jobs run: {' or '.join(EXECUTOR_NAMES)}; default: the file's.")
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option(help="Ray cluster to submit to: 'auto' or HOST:PORT; default: the file's, else start one here."),
    ] = None,
    parallel: Annotated[int | None, typer.Option(min=1, help="Runs at once; default: the file's.")] = None,
    resume: Annotated[
        Path | None, typer.Option(help="Continue the batch in this directory; finished runs are not run again.")
    ] = None,
) -> None:
    """Design a reward for every task and seed of BATCH_FILE, each run's jobs on a process pool or Ray."""
    try:
        if executor is not None and executor not in EXECUTOR_NAMES:
            raise UserError(f"--executor '{executor}': use {' or '.join(EXECUTOR_NAMES)}")
        batch_dir, spec = _open(batch_file, resume)
    except (UserError, BatchFileError, SandboxUnavailableError) as error:
        raise fail(str(error)) from None
    table = _Table()
    driver = BatchDriver(
        batch_dir, spec, executor=executor, ray_address=ray_address, parallel=parallel, watcher=table.update
    )  # type: ignore[arg-type]
    console.print(
        f"batch [bold]{batch_dir.name}[/]: {len(driver.summary.runs)} runs, {driver.parallel} at once, "
        f"executor [bold]{driver.executor_name}[/]",
        soft_wrap=True,
    )
    with stops_cleanly():
        try:
            with Live(table, console=console, refresh_per_second=2, transient=False):
                summary = driver.run()
        except KeyboardInterrupt as interruption:
            name = getattr(interruption, "signal_name", "SIGINT")
            leave(
                f"interrupted by {name}: the batch is kept; continue it with `rewardsmith batch --resume {batch_dir}`",
                EXIT_STATUS.get(name, 130),
            )
        except RuntimeError as error:  # the executor could not start (no Ray cluster)
            raise fail(str(error)) from None
    console.print()
    _print_result(summary)


def _open(batch_file: Path | None, resume: Path | None) -> tuple[Path, BatchSpec]:
    if resume is not None:
        if batch_file is not None:
            raise UserError("give a batch file or --resume DIR, not both")
        return resume, read_batch_dir(resume)
    if batch_file is None:
        raise UserError("no batch file given: `rewardsmith batch BATCH.yaml`, or --resume DIR")
    spec = load_batch(batch_file)
    check_writable(spec.out)
    # The driver resolves the backend once, as a single run does; each worker then opens that one.
    choice = choose_backend(spec.run_config(spec.tasks[0], spec.seeds[0], spec.out).sandbox)
    if not choice.isolating:
        errors.print(f"[bold yellow]{UNISOLATED_WARNING}[/]", highlight=False, soft_wrap=True)
    return create_batch_dir(spec, batch_file.stem), spec


class _Table:
    """The live table: one row per run; redrawn by Live from the latest summary."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._summary: BatchSummary | None = None
        self._running: dict[str, int] = {}

    def update(self, summary: BatchSummary, executor: JobExecutor) -> None:
        with self._lock:
            self._summary = summary.model_copy(deep=True)
            self._running = dict(executor.running)

    def __rich__(self) -> Table:
        with self._lock:
            summary, running = self._summary, self._running
        return render(summary, running)


def render(summary: BatchSummary | None, running: dict[str, int] | None = None) -> Table:
    """The batch as a table: run, state, round, what its fitness measures and its best, running jobs, failures."""
    table = Table(title="batch")
    # Names, not prose: never cut on an 80-column terminal while the other columns can wrap.
    table.add_column("run", no_wrap=True)
    table.add_column("state")
    table.add_column("round")
    table.add_column("fitness", no_wrap=True)
    for header in ("best", "jobs", "failures"):
        table.add_column(header)
    if summary is None:
        return table
    for run in summary.runs:
        table.add_row(
            run.key,
            run.state + (f": {run.error}" if run.error else ""),
            f"{run.iteration}/{run.iterations}" if run.iterations else "-",
            run.fitness_name,
            format_score(run.best_fitness),
            str((running or {}).get(run.key, 0)),
            str(run.failures),
        )
    jobs = summary.jobs
    table.caption = (
        f"jobs: {jobs.submitted} sent, {jobs.done} done, {jobs.retried} retried, {jobs.lost} lost · "
        f"{summary.wall_time_s:.0f} s"
    )
    return table


def _print_result(summary: BatchSummary) -> None:
    print_path("batch", summary.batch_dir)
    print_path("summary", summary.batch_dir / SUMMARY_FILE)
    print_path("report", summary.batch_dir / INDEX_FILE)
    unfinished = [run.key for run in summary.runs if run.state != "finished"]
    if unfinished:
        raise fail(
            f"{len(unfinished)} of {len(summary.runs)} runs did not finish ({', '.join(unfinished)}); see "
            f"{SUMMARY_FILE}, then `rewardsmith batch --resume {summary.batch_dir}`",
            code=1,
        )
