"""The local executor: jobs on a pool of worker processes on this machine, ``parallel`` at a time."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from rewardsmith.executors.base import JobExecutor
from rewardsmith.executors.packing import JobReply, JobRequest, lost_result, run_request
from rewardsmith.sandbox import SandboxStoppedError

#: How often a waiting job looks at the stop flag, seconds.
POLL_S = 0.25


class LocalExecutor(JobExecutor):
    """A process pool; a pool whose worker died is replaced, and the jobs it held are sent again."""

    name = "local"

    def __init__(self, parallel: int = 1, retries: int = 2, ledger: Path | None = None) -> None:
        super().__init__(retries=retries, ledger=ledger)
        self.parallel = parallel
        self._pool_lock = threading.Lock()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # Spawned, not forked: the driver runs design loops in threads, and a fork would copy their locks.
        return ProcessPoolExecutor(max_workers=self.parallel, mp_context=multiprocessing.get_context("spawn"))

    def _submit(self, request: JobRequest) -> tuple[ProcessPoolExecutor, Future[JobReply]]:
        with self._pool_lock:
            return self._pool, self._pool.submit(run_request, request)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._pool_lock:
            if self._pool is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()

    def submit(self, request: JobRequest, stopped: threading.Event) -> JobReply:
        reasons: list[str] = []
        for attempt in range(1, self.retries + 2):
            self.note("submitted", request, attempt)
            pool, future = self._submit(request)
            while not wait([future], timeout=POLL_S, return_when=FIRST_COMPLETED).done:
                if stopped.is_set():
                    future.cancel()
                    raise SandboxStoppedError(f"job {request.job.id} was ended by the sandbox's stop")
            try:
                reply = future.result()
            except BrokenProcessPool as error:
                reasons.append(f"attempt {attempt}: a pool worker died ({error})")
                self._replace(pool)
                if attempt <= self.retries:
                    self.note("retried", request, attempt, reason=reasons[-1])
                    continue
                break
            self.note("done", request, attempt, node=reply.node, ok=reply.result.ok)
            return reply
        reason = f"its worker died {len(reasons)} times: {'; '.join(reasons)}"
        self.note("lost", request, len(reasons), reason=reason)
        return JobReply(result=lost_result(request, reason))

    def close(self) -> None:
        with self._pool_lock:
            self._pool.shutdown(wait=True, cancel_futures=True)
