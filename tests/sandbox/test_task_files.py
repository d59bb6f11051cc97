"""A user's task file loads in every backend wherever it lies: directly in /tmp too, which is a tmpfs of the
container's and the job's own (Docker once refused it: "Duplicate mount point: /tmp")."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from rewardsmith.sandbox import SandboxJob, SandboxLimits, VerifyJob, prepare_job
from rewardsmith.sandbox.docker import task_mounts
from rewardsmith.sandbox.process import ProcessSandbox
from rewardsmith.sandbox.task_files import TASK_ROOT, mounted_dir, task_in_container
from tests.sandbox.backends import open_backend
from tests.sandbox.test_docker import USER_REWARD, USER_TASK

LIMITS = SandboxLimits(wall_time_s=120, memory_mb=1536, threads=1, file_size_mb=64)


@pytest.fixture
def task_in_tmp() -> Iterator[str]:
    path = Path("/tmp") / f"rewardsmith_test_task_{uuid.uuid4().hex}.py"
    path.write_text(USER_TASK)
    yield f"{path}:Drifter"
    path.unlink()


def test_docker_mounts_the_tasks_directory_under_its_own_root_never_at_its_host_path(task_in_tmp: str) -> None:
    mounts = task_mounts(task_in_tmp)
    assert mounts == {"/tmp": {"bind": mounted_dir(Path("/tmp")), "mode": "ro"}}
    assert mounted_dir(Path("/tmp")).startswith(f"{TASK_ROOT}/")
    assert task_mounts("cartpole") == {}
    # Outside a container the mounted copy does not exist, and the reference stays as it was.
    assert task_in_container(task_in_tmp) == task_in_tmp


@pytest.mark.parametrize("backend", ["docker", "bwrap", "process"])
def test_a_task_file_directly_in_tmp_verifies_in_every_backend(backend: str, task_in_tmp: str, tmp_path: Path) -> None:
    sandbox = ProcessSandbox(scratch_root=tmp_path) if backend == "process" else open_backend(backend, tmp_path)
    try:
        job = SandboxJob(id=f"tmp-task-{backend}", job=VerifyJob(task=task_in_tmp), limits=LIMITS)
        result = sandbox.run(job, prepare_job(job, USER_REWARD, tmp_path / "job"), tmp_path / "out")
    finally:
        sandbox.close()
    assert result.ok, (result.failure, result.log_tail)
