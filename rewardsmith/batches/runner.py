"""Run a batch: every task × seed as one design run under the batch directory, ``parallel`` at once on this
driver, their sandbox jobs on an executor's workers; and continue one whose driver died.

The driver holds the LLM calls and the run records; workers get only packed sandbox jobs. A run that
finished has its summary in its run directory and is never run again; one cut off is continued from
its LangGraph checkpoint by :func:`rewardsmith.api.resume`, which redoes no finished job.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rewardsmith.api import RunInterruptedError, design, resume
from rewardsmith.batches.schema import BatchFileError, BatchSpec
from rewardsmith.batches.summary import SPEC_FILE, BatchSummary, RunEntry, write_summary
from rewardsmith.executors import (
    JOBS_LEDGER,
    ExecutorName,
    ExecutorOptions,
    ExecutorSandbox,
    JobExecutor,
    open_executor,
)
from rewardsmith.loop.families import open_family
from rewardsmith.loop.record import RunFileError, RunNotFoundError, RunRecord
from rewardsmith.loop.results import DesignResult
from rewardsmith.sandbox import BackendChoice

Watcher = Callable[[BatchSummary, JobExecutor], None]
"""Called whenever a run's state, round, best fitness or failures change (the CLI redraws its table)."""


def create_batch_dir(spec: BatchSpec, name: str) -> Path:
    """Make a new batch directory under ``spec.out`` and save the batch in it, for ``--resume``."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    batch_dir = spec.out / f"{stamp}-{name}"
    suffix = 1
    while batch_dir.exists():
        suffix += 1
        batch_dir = spec.out / f"{stamp}-{name}-{suffix}"
    batch_dir.mkdir(parents=True)
    (batch_dir / SPEC_FILE).write_text(spec.model_dump_json(indent=2))
    return batch_dir


def read_batch_dir(batch_dir: Path) -> BatchSpec:
    """The batch saved in ``batch_dir``.

    Raises:
        BatchFileError: ``batch_dir`` is not a batch directory.
    """
    try:
        return BatchSpec.model_validate_json((batch_dir / SPEC_FILE).read_text())
    except OSError:
        raise BatchFileError(
            f"'{batch_dir}' is not a batch directory (it has no {SPEC_FILE}); pass the directory "
            "`rewardsmith batch` printed"
        ) from None
    except ValueError as error:
        raise BatchFileError(f"{batch_dir / SPEC_FILE} is invalid ({str(error).splitlines()[0]})") from None


def find_run(key_dir: Path) -> Path | None:
    """The run directory in a run's folder, once ``design`` has made it."""
    if not key_dir.is_dir():
        return None
    for child in sorted(key_dir.iterdir()):
        try:
            RunRecord.open(child)
        except (RunNotFoundError, RunFileError, OSError):
            continue
        return child
    return None


def _entry(key: str, task: str, seed: int) -> RunEntry:
    facts = open_family(task).facts
    return RunEntry(key=key, task=task, seed=seed, family=facts.family, fitness_name=facts.fitness_name)


class _RunReporter:
    """One run's progress, kept on its :class:`RunEntry` for the table and ``batch.json``."""

    def __init__(self, entry: RunEntry, key_dir: Path, changed: Callable[[], None]) -> None:
        self.entry, self.key_dir, self.changed = entry, key_dir, changed
        self.warnings: list[str] = []

    def round_started(self, iteration: int, total: int) -> None:
        self.entry.iteration, self.entry.iterations = iteration, total
        self.entry.run_dir = self.entry.run_dir or find_run(self.key_dir)
        self.changed()

    def candidate_done(self, candidate_id: str, stage: str, detail: str) -> None:
        if stage == "trained" and self.entry.run_dir is not None:
            fitness = RunRecord(self.entry.run_dir).status(candidate_id).fitness
            if fitness is not None and (self.entry.best_fitness is None or fitness > self.entry.best_fitness):
                self.entry.best_fitness = fitness
        elif stage == "failed" or stage.startswith("rejected"):
            self.entry.failures += 1
        self.changed()

    def training_progress(self, candidate_id: str, steps: int, total: int) -> None:
        return None

    def note(self, text: str) -> None:
        return None

    def warning(self, text: str) -> None:
        self.warnings.append(text)

    def final_evaluation_started(self, runs: int) -> None:
        return None


class BatchDriver:
    """One batch as this driver runs it."""

    def __init__(
        self,
        batch_dir: Path,
        spec: BatchSpec,
        executor: ExecutorName | None = None,
        ray_address: str | None = None,
        parallel: int | None = None,
        watcher: Watcher | None = None,
    ) -> None:
        self.batch_dir, self.spec, self.watcher = batch_dir, spec, watcher
        self.parallel = parallel or spec.parallel
        self.executor_name: ExecutorName = executor or spec.executor
        self.ray_address = ray_address if ray_address is not None else spec.ray_address
        self.summary = BatchSummary(
            batch_dir=batch_dir,
            executor=self.executor_name,
            runs=[_entry(key, task, seed) for key, task, seed in spec.run_keys()],
        )
        self._lock = threading.Lock()
        self._sandboxes: list[ExecutorSandbox] = []
        self._started = time.monotonic()
        self.executor: JobExecutor | None = None

    def run(self) -> BatchSummary:
        """Run every run that has not finished; return the batch's summary (also in ``batch.json``).

        Raises:
            KeyboardInterrupt: A signal stopped the batch; every running job was ended, and the batch
                is kept for ``--resume``.
        """
        options = ExecutorOptions(
            parallel=self.parallel,
            retries=self.spec.retries,
            ray_address=self.ray_address,
            ledger=self.batch_dir / JOBS_LEDGER,
        )
        self.executor = open_executor(self.executor_name, options)
        try:
            with ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="run") as threads:
                futures = [threads.submit(self._one, entry) for entry in self.summary.runs]
                try:
                    for future in futures:
                        future.result()
                except KeyboardInterrupt:
                    for sandbox in list(self._sandboxes):
                        sandbox.stop()
                    for future in futures:
                        future.cancel()
                    raise
        finally:
            self._changed()
            self.executor.close()
        return self.summary

    def _one(self, entry: RunEntry) -> None:
        key_dir = self.batch_dir / entry.key
        run_dir = find_run(key_dir)
        entry.run_dir = run_dir
        finished = RunRecord(run_dir).summary() if run_dir is not None else None
        if finished is not None:
            self._finished(entry, finished)
            return
        entry.state = "running"
        entry.error = None
        self._changed()
        reporter = _RunReporter(entry, key_dir, self._changed)
        try:
            if run_dir is None:
                config = self.spec.design | {"seed": entry.seed, "out": key_dir}
                result = design(entry.task, reporter=reporter, sandbox_opener=self._opener(entry.key), **config)
            else:
                result = resume(run_dir, reporter=reporter, sandbox_opener=self._opener(entry.key))
        except (RunInterruptedError, KeyboardInterrupt):
            entry.state = "interrupted"
        except Exception as error:
            entry.state = "failed"
            entry.error = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        else:
            assert isinstance(result, DesignResult), "review is refused in batch files"
            self._finished(entry, result)
        self._changed()

    def _finished(self, entry: RunEntry, result: DesignResult) -> None:
        entry.state = "finished"
        entry.run_dir = result.run_dir
        entry.iterations = entry.iteration = len(result.history) or entry.iteration
        entry.best_fitness = result.fitness if result.fitness is not None else result.training_fitness
        entry.normalized_score = result.normalized_score
        entry.failures = result.rejected + sum(
            1 for status in RunRecord(result.run_dir).statuses() if status.stage == "failed"
        )

    def _opener(self, key: str) -> Callable[[BackendChoice], ExecutorSandbox]:
        def opened(choice: BackendChoice) -> ExecutorSandbox:
            assert self.executor is not None
            sandbox = self.executor.sandbox(choice.name, key, self.spec.gpus_per_job)
            with self._lock:
                self._sandboxes.append(sandbox)
            return sandbox

        return opened

    def _changed(self) -> None:
        with self._lock:
            if self.executor is not None:
                self.summary.jobs = self.executor.counts.model_copy()
            self.summary.wall_time_s = time.monotonic() - self._started
            write_summary(self.summary)
            if self.watcher is not None and self.executor is not None:
                self.watcher(self.summary, self.executor)
