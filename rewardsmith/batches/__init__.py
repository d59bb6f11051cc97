"""Batch runs: a design run for every task and seed of a batch file, their sandbox jobs on a process
pool or a Ray cluster (see :func:`batch`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rewardsmith.batches.runner import BatchDriver, Watcher, create_batch_dir, read_batch_dir
from rewardsmith.batches.schema import BatchFileError, BatchSpec, load_batch, parse_batch
from rewardsmith.batches.summary import BatchSummary, RunEntry
from rewardsmith.executors import ExecutorName


def batch(
    spec: str | Path | BatchSpec | dict[str, Any] | None = None,
    *,
    resume: str | Path | None = None,
    executor: ExecutorName | None = None,
    ray_address: str | None = None,
    parallel: int | None = None,
    watcher: Watcher | None = None,
) -> BatchSummary:
    """Run a batch, or continue one (``resume=DIR``) whose driver died; return its summary.

    Args:
        spec: A batch file's path, a mapping with its fields, or a :class:`BatchSpec`; None with ``resume``.
        resume: A batch directory: its unfinished runs continue from their checkpoints, and finished
            ones are not run again.
        executor: 'local' or 'ray', over the batch's own setting.
        ray_address: 'auto' or HOST:PORT, over the batch's own setting.
        parallel: Runs at once, over the batch's own setting.
        watcher: Called with the summary and the executor whenever a run moves on.

    Raises:
        BatchFileError: The batch (or the directory to resume) is invalid; the message says what to fix.
        rewardsmith.executors.ray_cluster.RayUnavailableError: No Ray cluster could be reached.
    """
    batch_dir, checked = open_batch(spec, resume)
    driver = BatchDriver(
        batch_dir, checked, executor=executor, ray_address=ray_address, parallel=parallel, watcher=watcher
    )
    return driver.run()


__all__ = [
    "BatchDriver",
    "BatchFileError",
    "BatchSpec",
    "BatchSummary",
    "RunEntry",
    "batch",
    "load_batch",
    "open_batch",
    "parse_batch",
    "read_batch_dir",
]


def open_batch(
    spec: str | Path | BatchSpec | dict[str, Any] | None = None, resume: str | Path | None = None
) -> tuple[Path, BatchSpec]:
    """The batch directory and the batch: a new directory for ``spec``, or the one to ``resume``.

    Raises:
        BatchFileError: As :func:`batch`.
    """
    if resume is not None:
        if spec is not None:
            raise BatchFileError("give a batch file or a batch directory to resume, not both")
        batch_dir = Path(resume)
        checked = read_batch_dir(batch_dir)
    else:
        if spec is None:
            raise BatchFileError("no batch given: pass a batch file, or resume=DIR")
        if isinstance(spec, BatchSpec):
            checked, name = spec, "batch"
        elif isinstance(spec, dict):
            checked, name = parse_batch(spec), "batch"
        else:
            checked, name = load_batch(Path(spec)), Path(spec).stem
        batch_dir = create_batch_dir(checked, name)
    return batch_dir, checked
