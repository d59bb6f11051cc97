"""The Ray executor: each sandbox job is a Ray task asking for its CPUs and GPUs, run in the sandbox on
the worker that took it.

A task whose worker or node dies is sent again by this driver, not by Ray's own ``max_retries``: Ray
retries silently, and the batch must record each retry with its reason and give up after
``retries`` with a failed result. Only jobs cross to workers; LLM calls stay on the driver, so
API keys never leave it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from rewardsmith.executors.base import JobExecutor, WorkerLost
from rewardsmith.executors.packing import JobReply, JobRequest, lost_result, run_request
from rewardsmith.sandbox import SandboxStoppedError

#: How often a waiting job looks at the stop flag, seconds.
POLL_S = 0.5


class RayUnavailableError(RuntimeError):
    """No Ray cluster could be reached or started; the one-line message says what to do."""


class RayExecutor(JobExecutor):
    """Jobs as Ray tasks on the cluster at ``address`` ('auto', HOST:PORT), or on one started here
    with ``num_cpus`` CPUs when ``address`` is None."""

    name = "ray"

    def __init__(
        self, address: str | None = None, num_cpus: int | None = None, retries: int = 2, ledger: Path | None = None
    ) -> None:
        super().__init__(retries=retries, ledger=ledger)
        import ray

        self._ray = ray
        self._started_here = not ray.is_initialized()
        if self._started_here:
            try:
                ray.init(
                    address=address,
                    num_cpus=num_cpus if address is None else None,
                    include_dashboard=False,
                    log_to_driver=False,
                    configure_logging=False,
                )
            except (ConnectionError, RuntimeError, ValueError) as error:
                where = f"the Ray cluster at {address}" if address else "a local Ray cluster"
                raise RayUnavailableError(
                    f"cannot reach {where} ({str(error).splitlines()[0] if str(error) else type(error).__name__}); "
                    "start one with `ray start --head`, or pass --ray-address HOST:PORT"
                ) from None
        self._task: Any = ray.remote(run_request)

    def attempt(self, request: JobRequest, stopped: threading.Event, attempt: int) -> JobReply | WorkerLost:
        ray = self._ray
        ref = self._task.options(
            num_cpus=request.num_cpus, num_gpus=request.num_gpus, max_retries=0, retry_exceptions=False
        ).remote(request)
        try:
            while not ray.wait([ref], timeout=POLL_S)[0]:
                if stopped.is_set():
                    ray.cancel(ref, force=True)
                    raise SandboxStoppedError(f"job {request.job.id} was ended by the sandbox's stop")
            reply: JobReply = ray.get(ref)
        except ray.exceptions.RayTaskError as error:
            # The job's own code raised on the worker: no worker died, and running it again would fail again.
            reason = f"it raised on its worker: {str(error).strip().splitlines()[-1]}"
            self.note("lost", request, attempt, reason=reason)
            return JobReply(result=lost_result(request, reason))
        except ray.exceptions.RayError as error:
            detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
            return WorkerLost(f"{type(error).__name__}" + (f" ({detail[:200]})" if detail else ""))
        self.note("done", request, attempt, node=reply.node, ok=reply.result.ok)
        return reply

    def close(self) -> None:
        if self._started_here:
            self._ray.shutdown()
