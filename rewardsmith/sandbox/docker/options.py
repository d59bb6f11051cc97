"""The hardening every container gets: the ``containers.create`` options for a job's limits, and its mounts.

Every container runs with no network, a read-only root, a size-limited ``/tmp``, uid 65534, no
capabilities, no-new-privileges, and limits on pids, memory (swap included), CPU, open files, file
size and core dumps. Nothing of the host's environment goes in.
"""

from __future__ import annotations

from typing import Any

from rewardsmith.sandbox.docker.grants import JOB_UID
from rewardsmith.sandbox.docker.image import LABEL
from rewardsmith.sandbox.docker.ownership import OWNER_LABEL, owner
from rewardsmith.sandbox.schema import SandboxLimits, TrainJob
from rewardsmith.sandbox.task_files import mounted_dir, task_file

Mounts = dict[str, dict[str, str]]
"""Volumes as the Docker SDK takes them: host path to ``{"bind": path inside, "mode": "ro" or "rw"}``."""

_PIDS_LIMIT = 256  # torch's threads count too
_OPEN_FILES = 1024
_TMPFS_MB = 256
_GPU_SHM = "2g"


def container_options(limits: SandboxLimits, *, headroom_mb: int = 0, gpu: bool = False) -> dict[str, Any]:
    """The ``containers.create`` arguments that confine a job with ``limits``; the same for every job kind.

    Args:
        limits: The job's limits.
        headroom_mb: Memory added to the container's limit beyond the job's own (a warm worker's share).
        gpu: Give the container every GPU, and a larger /dev/shm.

    Returns:
        Keyword arguments for ``client.containers.create`` (without image, command and volumes).
    """
    from docker.types import DeviceRequest, LogConfig, Ulimit

    memory_mb = (limits.memory_mb or SandboxLimits.model_fields["memory_mb"].default) + headroom_mb
    file_size = limits.file_size_mb << 20
    options: dict[str, Any] = {
        "network_mode": "none",
        "read_only": True,
        "user": f"{JOB_UID}:{JOB_UID}",
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "pids_limit": _PIDS_LIMIT,
        "mem_limit": f"{memory_mb}m",
        "memswap_limit": f"{memory_mb}m",  # equal to the memory limit: no swap
        "nano_cpus": int(limits.threads * 1e9),
        "ulimits": [
            Ulimit(name="nofile", soft=_OPEN_FILES, hard=_OPEN_FILES),
            Ulimit(name="fsize", soft=file_size, hard=file_size),
            Ulimit(name="core", soft=0, hard=0),
        ],
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={_TMPFS_MB}m,mode=1777"},
        "working_dir": "/tmp",
        "environment": {
            "HOME": "/tmp",
            "TMPDIR": "/tmp",
            "OMP_NUM_THREADS": str(limits.threads),
            "MKL_NUM_THREADS": str(limits.threads),
            "OPENBLAS_NUM_THREADS": str(limits.threads),
        },
        # The engine keeps a container's output on the host's disk; a job that floods stdout gets this much.
        "log_config": LogConfig(
            type=LogConfig.types.JSON, config={"max-size": str(max(limits.max_log_bytes, 1 << 20)), "max-file": "1"}
        ),
        "labels": {LABEL: "job", OWNER_LABEL: owner()},
    }
    if gpu:
        options["device_requests"] = [DeviceRequest(count=-1, capabilities=[["gpu"]])]
        options["shm_size"] = _GPU_SHM
        options["environment"]["NVIDIA_DRIVER_CAPABILITIES"] = "compute,utility"
    return options


def task_mounts(task: str) -> Mounts:
    """The read-only mount that makes a ``path/file.py:Class`` task loadable inside a container.

    Its directory goes under :data:`~rewardsmith.sandbox.task_files.TASK_ROOT`, never at its host path:
    a file in ``/tmp`` would collide with the container's own ``/tmp`` ("Duplicate mount point").
    """
    file = task_file(task)
    if file is None or not file.parent.is_dir():
        return {}
    return {str(file.parent): {"bind": mounted_dir(file.parent), "mode": "ro"}}


def wants_gpu(job: TrainJob) -> bool:
    """Whether a train job asks for a CUDA device, so that its container gets the GPUs."""
    try:
        return job.config.torch_device().type == "cuda"
    except ValueError:
        return False  # the job reports the missing device itself
