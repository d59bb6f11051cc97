"""What every job executor is: something that runs packed sandbox jobs somewhere and hands back their
results, counting what it runs; and the :class:`ExecutorSandbox` through which a design run uses one.

A design run talks to a :class:`~rewardsmith.sandbox.Sandbox`; the batch gives each run an
``ExecutorSandbox`` whose ``run`` packs the job, submits it to the executor and unpacks what came back,
so the loop's nodes do not know whether a job ran in this process, a process pool or on a Ray worker.
"""

from __future__ import annotations

import datetime
import json
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from rewardsmith.executors.packing import JobReply, JobRequest, lost_result, pack, unpack
from rewardsmith.sandbox import BACKENDS, SandboxJob, SandboxResult, SandboxStoppedError, TrainJob
from rewardsmith.sandbox.base import ProgressFn, Sandbox, begin_job
from rewardsmith.sandbox.outcome import Execution, failed, sandbox_result
from rewardsmith.sandbox.schema import RescoreJob

LedgerEvent = Literal["submitted", "done", "retried", "lost"]
"""What the jobs ledger records of a job: sent to a worker, back with a result, sent again after its
worker died, or given up after its last retry."""

#: The jobs ledger: one line per job event, under the batch directory.
JOBS_LEDGER = "jobs.jsonl"


class LedgerEntry(BaseModel):
    """One line of ``jobs.jsonl``."""

    at: str
    event: LedgerEvent
    run: str
    job: str
    kind: str = Field(description="The job's kind: verify, train, rescore, ...")
    attempt: int = Field(ge=1)
    node: str = ""
    reason: str = ""
    ok: bool | None = None


class JobCounts(BaseModel):
    """What an executor ran, for ``batch.json`` and the live table."""

    submitted: int = 0
    done: int = 0
    retried: int = 0
    lost: int = 0


@dataclass(frozen=True)
class WorkerLost:
    """An attempt whose worker (or node) was lost before the job came back: it may be sent again."""

    reason: str


class JobExecutor(ABC):
    """Runs :class:`JobRequest` s and returns :class:`JobReply` s; ``submit`` may be called from many threads.

    A job whose worker dies is sent again, up to ``retries`` times; after that it comes back as a
    failed result that says why, never as an exception.
    """

    name: str
    #: How the reason for giving up on a job begins, e.g. "its worker died 3 times: ...".
    lost_phrase: ClassVar[str] = "its worker was lost"

    def __init__(self, retries: int = 2, ledger: Path | None = None) -> None:
        self.retries = retries
        self.ledger = ledger
        self.counts = JobCounts()
        self.running: Counter[str] = Counter()
        self._lock = threading.Lock()

    def submit(self, request: JobRequest, stopped: threading.Event) -> JobReply:
        """Run ``request`` to its end and return the reply; raise :class:`SandboxStoppedError` once
        ``stopped`` is set (the job is ended). Each lost worker is a retry in the ledger, with its reason."""
        reasons: list[str] = []
        for attempt in range(1, self.retries + 2):
            self.note("submitted", request, attempt)
            outcome = self.attempt(request, stopped, attempt)
            if isinstance(outcome, JobReply):
                return outcome
            reasons.append(f"attempt {attempt}: {outcome.reason}")
            if attempt <= self.retries:
                self.note("retried", request, attempt, reason=reasons[-1])
        reason = f"{self.lost_phrase} {len(reasons)} times: {'; '.join(reasons)}"
        self.note("lost", request, len(reasons), reason=reason)
        return JobReply(result=lost_result(request, reason))

    @abstractmethod
    def attempt(self, request: JobRequest, stopped: threading.Event, attempt: int) -> JobReply | WorkerLost:
        """Send ``request`` once: its reply (noted 'done', or 'lost' where sending it again cannot help),
        or :class:`WorkerLost` where its worker went away and :meth:`submit` may send it again."""

    def close(self) -> None:  # noqa: B027 - an executor that holds nothing has nothing to release
        """Release workers and connections."""

    def sandbox(self, backend: str, run: str, gpus_per_job: float = 0.0) -> ExecutorSandbox:
        """The sandbox a design run labelled ``run`` uses, sending its jobs here."""
        return ExecutorSandbox(self, backend, run, gpus_per_job)

    def note(self, event: LedgerEvent, request: JobRequest, attempt: int, **detail: object) -> None:
        """Count ``event`` and add it to the ledger."""
        entry = LedgerEntry(
            at=datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
            event=event,
            run=request.run,
            job=request.job.id,
            kind=request.job.job.kind,
            attempt=attempt,
            **detail,  # type: ignore[arg-type]
        )
        with self._lock:
            setattr(self.counts, event, getattr(self.counts, event) + 1)
            if event == "submitted" and attempt == 1:
                self.running[request.run] += 1
            elif event in ("done", "lost"):
                self.running[request.run] -= 1
            if self.ledger is not None:
                with self.ledger.open("a") as file:
                    file.write(entry.model_dump_json() + "\n")


def read_ledger(path: Path) -> list[LedgerEntry]:
    """The entries of a jobs ledger; a line cut short by a killed driver is skipped."""
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        try:
            entries.append(LedgerEntry.model_validate(json.loads(line)))
        except (ValueError, TypeError):
            continue
    return entries


class ExecutorSandbox(Sandbox):
    """A sandbox whose jobs run on an executor's workers, in the backend named ``backend`` there."""

    def __init__(self, executor: JobExecutor, backend: str, run: str, gpus_per_job: float = 0.0) -> None:
        table_entry = BACKENDS.get(backend)
        self.name = table_entry.name if table_entry is not None else backend
        self.isolation = (
            f"{table_entry.description if table_entry else backend}, on the {executor.name} executor's workers"
        )
        self.executor = executor
        self.backend = backend
        self.run_label = run
        self.gpus_per_job = gpus_per_job

    def run(
        self, job: SandboxJob, job_dir: Path, out_dir: Path, on_progress: ProgressFn | None = None
    ) -> SandboxResult:
        state = self._stop_state()
        with state.idle:
            if state.stopped.is_set():
                raise SandboxStoppedError(f"the sandbox is stopped; job {job.id} was not started")
            state.running += 1
        try:
            started = time.monotonic()
            mismatch = begin_job(job, job_dir, out_dir)
            if mismatch is not None:
                return sandbox_result(Execution(failed(job, mismatch)), backend=self.name, started=started)
            request = JobRequest(
                run=self.run_label,
                job=job,
                backend=self.backend,
                files=pack(job_dir),
                num_cpus=float(job.limits.threads),
                num_gpus=self.gpus_per_job if _uses_gpu(job) else 0.0,
            )
            reply = self.executor.submit(request, state.stopped)
            unpack(reply.files, out_dir)
            return reply.result
        finally:
            with state.idle:
                state.running -= 1
                state.idle.notify_all()

    def execute(self, job: SandboxJob, job_dir: Path, out_dir: Path, on_progress: ProgressFn | None) -> Execution:
        raise NotImplementedError("an ExecutorSandbox sends jobs to its executor from run()")


def _uses_gpu(job: SandboxJob) -> bool:
    """Training and its rescoring take the GPUs a batch gives jobs, unless they were told to train on the CPU."""
    spec = job.job
    return isinstance(spec, TrainJob | RescoreJob) and spec.config.device != "cpu"
