"""The local executor: jobs on a pool of worker processes on this machine, ``parallel`` at a time."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from rewardsmith.executors.base import JobExecutor, WorkerLost
from rewardsmith.executors.packing import JobReply, JobRequest, run_request
from rewardsmith.sandbox import SandboxStoppedError

#: How often a waiting job looks at the stop flag, seconds.
POLL_S = 0.25


class LocalExecutor(JobExecutor):
    """A process pool; a pool whose worker died is replaced, and the jobs it held are sent again."""

    name = "local"
    lost_phrase = "its worker died"

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

    def attempt(self, request: JobRequest, stopped: threading.Event, attempt: int) -> JobReply | WorkerLost:
        pool, future = self._submit(request)
        while not wait([future], timeout=POLL_S, return_when=FIRST_COMPLETED).done:
            if stopped.is_set():
                future.cancel()
                raise SandboxStoppedError(f"job {request.job.id} was ended by the sandbox's stop")
        try:
            reply = future.result()
        except BrokenProcessPool as error:
            self._replace(pool)
            return WorkerLost(f"a pool worker died ({error})")
        self.note("done", request, attempt, node=reply.node, ok=reply.result.ok)
        return reply

    def close(self) -> None:
        with self._pool_lock:
            self._pool.shutdown(wait=True, cancel_futures=True)
