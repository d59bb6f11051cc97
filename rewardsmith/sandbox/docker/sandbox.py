"""The ``docker`` backend: each job in a hardened container, through the Docker SDK.

The job directory is mounted read-only, the output directory read-write; that is all the container
sees of the host (:mod:`~rewardsmith.sandbox.docker.options` says what else confines it). The
container's PID 1 is the trusted :mod:`~rewardsmith.sandbox.supervisor`.

* **Train jobs** (and probes) get a fresh container each (:mod:`~rewardsmith.sandbox.docker.oneshot`).
  A GPU job gets the GPUs through ``device_requests``, and a larger ``/dev/shm``.
* **Verify and rescore jobs** go to warm containers, whose supervisor imports torch once and forks a
  child per job (:mod:`~rewardsmith.sandbox.docker.pool`); a container is thrown away after any
  failure or timeout.

The host reads only ``result.json``, capped and validated, the capped log, and the files the result
declares; see :mod:`rewardsmith.sandbox.artefacts`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.sandbox.base import ProgressFn, Sandbox
from rewardsmith.sandbox.docker.client import DockerUnavailableError, docker_client, docker_unavailable_reason
from rewardsmith.sandbox.docker.image import ImageBuildError, ensure_image
from rewardsmith.sandbox.docker.oneshot import run_once
from rewardsmith.sandbox.docker.options import task_mounts
from rewardsmith.sandbox.docker.ownership import remove_orphans
from rewardsmith.sandbox.docker.pool import WarmPool
from rewardsmith.sandbox.outcome import Execution
from rewardsmith.sandbox.outputs import JobKind
from rewardsmith.sandbox.registry import Backend, OpenOptions, SandboxUnavailableError
from rewardsmith.sandbox.schema import SandboxJob, SandboxLimits

#: Names an image to use instead of building this host's (e.g. one made from deploy/Dockerfile).
IMAGE_VARIABLE = "REWARDSMITH_SANDBOX_IMAGE"
# Jobs that load no training run go to warm containers: verification, and re-scoring a policy.
_WARM_KINDS: frozenset[JobKind] = frozenset({"verify", "rescore"})


class DockerSandbox(Sandbox):
    """Runs jobs in hardened containers; safe to call from several threads. See the module docstring.

    Args:
        client: A ``docker.DockerClient``; by default one for the local engine.
        image: The image to run; by default ``$REWARDSMITH_SANDBOX_IMAGE`` (e.g. one built from
            ``deploy/Dockerfile``), else this host's sandbox image, built if missing.
        pool_size: Warm verify containers kept idle per set of limits.
        term_grace_s: Seconds between SIGTERM and SIGKILL when a job runs out of time.
        scratch_root: Where the warm containers' exchange directories go; the system temp dir by default.
        say: Called with a line of progress while the image is built.
    """

    name = "docker"
    isolation = (
        "A container per job with no network, a read-only root, uid 65534, no capabilities, no-new-privileges, "
        "limits on pids, memory, CPU, open files and file size, and nothing of the host but the job's input "
        "(read-only) and output directories; it shares the host's kernel."
    )

    def __init__(
        self,
        *,
        client: Any = None,
        image: str | None = None,
        pool_size: int = 2,
        term_grace_s: float = 2.0,
        scratch_root: Path | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self._client = client if client is not None else docker_client()
        image = image or os.environ.get(IMAGE_VARIABLE)
        self.image = image if image else ensure_image(self._client, say=say or (lambda _: None))
        self._term_grace_s = term_grace_s
        remove_orphans(self._client)
        self._pool = WarmPool(self._client, self.image, pool_size, term_grace_s, scratch_root)

    def execute(self, job: SandboxJob, job_dir: Path, out_dir: Path, on_progress: ProgressFn | None) -> Execution:
        """Run ``job`` in a container; see :meth:`rewardsmith.sandbox.Sandbox.execute`."""
        if job.job.kind in _WARM_KINDS:
            return self._pool.run(job, job_dir, out_dir, stopping=lambda: self.stopping)
        return run_once(
            self._client,
            self.image,
            job,
            job_dir,
            out_dir,
            self._term_grace_s,
            on_progress,
            stopping=lambda: self.stopping,
        )

    def warm(self, limits: SandboxLimits, count: int = 1, task: str = "cartpole") -> None:
        """Start ``count`` warm verify containers for ``task``'s jobs with ``limits`` now, not on first use."""
        self._pool.warm(limits, count, task_mounts(task))

    def close(self) -> None:
        """Stop and remove every container of this sandbox."""
        self._pool.close()

    def __enter__(self) -> DockerSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _open(options: OpenOptions) -> DockerSandbox:
    try:
        return DockerSandbox(pool_size=options.pool_size, say=options.say)
    except (DockerUnavailableError, ImageBuildError) as error:
        raise SandboxUnavailableError(str(error)) from None


BACKEND = Backend(
    name="docker",
    description="a hardened container",
    open=_open,
    unavailable=docker_unavailable_reason,
    isolating=True,
    label="Docker",
    present="a Docker engine answers",
    absent="no Docker engine",
    asked="asked for with --sandbox docker, and the engine answers",
    enable="start a Docker engine ('dockerd &')",
)
