"""Job executors: where a batch's sandbox jobs run. One table, :data:`EXECUTORS`; adding an executor is
adding its module and its line there (and its name to :data:`ExecutorName`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.executors.base import (
    JOBS_LEDGER,
    ExecutorSandbox,
    JobCounts,
    JobExecutor,
    LedgerEntry,
    read_ledger,
)
from rewardsmith.executors.packing import JobReply, JobRequest

ExecutorName = Literal["local", "ray"]
"""``--executor``: a process pool on this machine, or a Ray cluster."""


class ExecutorOptions(BaseModel):
    """What opening an executor may use."""

    model_config = ConfigDict(frozen=True)

    parallel: int = Field(default=1, ge=1, description="Local: pool processes. Ray, started here: its CPUs.")
    retries: int = Field(default=2, ge=0, description="Times a job whose worker died is sent again.")
    ray_address: str | None = Field(default=None, description="Ray: 'auto', HOST:PORT, or None to start one here.")
    ledger: Path | None = Field(default=None, description="The jobs ledger to append to.")


def _local(options: ExecutorOptions) -> JobExecutor:
    from rewardsmith.executors.local import LocalExecutor

    return LocalExecutor(parallel=options.parallel, retries=options.retries, ledger=options.ledger)


def _ray(options: ExecutorOptions) -> JobExecutor:
    from rewardsmith.executors.ray_cluster import RayExecutor

    return RayExecutor(
        address=options.ray_address, num_cpus=options.parallel, retries=options.retries, ledger=options.ledger
    )


EXECUTORS: dict[ExecutorName, Callable[[ExecutorOptions], JobExecutor]] = {"local": _local, "ray": _ray}


def open_executor(name: ExecutorName, options: ExecutorOptions) -> JobExecutor:
    """Start the executor ``name``."""
    return EXECUTORS[name](options)


__all__ = [
    "EXECUTORS",
    "JOBS_LEDGER",
    "ExecutorName",
    "ExecutorOptions",
    "ExecutorSandbox",
    "JobCounts",
    "JobExecutor",
    "JobReply",
    "JobRequest",
    "LedgerEntry",
    "open_executor",
    "read_ledger",
]
