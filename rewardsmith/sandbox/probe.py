"""Measure, from inside a sandbox, the confinement a job actually runs under.

``rewardsmith sandbox check`` runs a probe job through the chosen backend; the runner calls
:func:`measure_confinement` after applying the job's limits, in place of loading any reward. Every
figure comes from the kernel as the job sees it (``/proc``, cgroup files, ``getrlimit``, a failed
write), not from the backend's configuration.
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_UNLIMITED = "unlimited"
# cgroup v2 first, then v1's separate hierarchies.
_MEMORY_FILES = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
_SWAP_FILES = ("/sys/fs/cgroup/memory.swap.max", "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")
_PIDS_FILES = ("/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max")
# Above this, a cgroup v1 memory limit means "none" (it is PAGE_COUNTER_MAX rounded to pages).
_V1_NO_LIMIT = 1 << 60


class ProbeJob(BaseModel):
    """Measure the sandbox itself; no reward is loaded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["probe"] = "probe"
    host_paths: tuple[str, ...] = Field(
        default=(), description="Host paths to test for readability from inside (secrets, the project's files)."
    )


class Confinement(BaseModel):
    """What a job inside the sandbox can see and do, measured there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    uid: int
    gid: int
    capabilities: str = Field(description="CapEff from /proc/self/status, hex; 0 means none.")
    no_new_privileges: bool
    seccomp: str = Field(description="0 none, 1 strict, 2 filter.")
    network_interfaces: tuple[str, ...] = Field(description="Interfaces in the job's network namespace.")
    routes: int = Field(description="Entries in its IPv4 routing table; 0 means no way out.")
    root_writable: bool = Field(description="Whether a file can be made at /.")
    tmp_size_mb: float | None = Field(description="Size of the filesystem at /tmp, MiB.")
    memory_limit_mb: str = Field(description="The cgroup's memory limit.")
    memory_swap_limit_mb: str = Field(description="The cgroup's memory+swap (v1) or swap (v2) limit.")
    pids_limit: str = Field(description="The cgroup's pids limit.")
    cpu_limit_cores: str = Field(description="CFS quota over period, in cores.")
    rlimits: dict[str, str] = Field(description="Soft limits: address space, CPU, file size, open files, core.")
    visible_processes: int = Field(description="Processes the job can see in /proc.")
    environment: tuple[str, ...] = Field(description="Names of the environment variables the job gets.")
    readable_host_paths: tuple[str, ...] = Field(description="Which of the probed host paths it can read.")


def measure_confinement(job: ProbeJob) -> Confinement:
    """Measure the confinement of the calling process."""
    status = _status()
    return Confinement(
        uid=os.getuid(),
        gid=os.getgid(),
        capabilities=status.get("CapEff", "?"),
        no_new_privileges=status.get("NoNewPrivs", "0") == "1",
        seccomp=status.get("Seccomp", "?"),
        network_interfaces=tuple(sorted(_interfaces())),
        routes=_routes(),
        root_writable=_can_create(Path("/")),
        tmp_size_mb=_size_mb("/tmp"),
        memory_limit_mb=_cgroup_bytes_mb(_MEMORY_FILES),
        memory_swap_limit_mb=_cgroup_bytes_mb(_SWAP_FILES),
        pids_limit=_first_line(_PIDS_FILES) or _UNLIMITED,
        cpu_limit_cores=_cpu_cores(),
        rlimits={
            "address_space_mb": _rlimit(resource.RLIMIT_AS, 1 << 20),
            "cpu_s": _rlimit(resource.RLIMIT_CPU, 1),
            "file_size_mb": _rlimit(resource.RLIMIT_FSIZE, 1 << 20),
            "open_files": _rlimit(resource.RLIMIT_NOFILE, 1),
            "core_mb": _rlimit(resource.RLIMIT_CORE, 1 << 20),
        },
        visible_processes=sum(1 for entry in Path("/proc").iterdir() if entry.name.isdigit()),
        environment=tuple(sorted(os.environ)),
        readable_host_paths=tuple(path for path in job.host_paths if _readable(Path(path))),
    )


def _status() -> dict[str, str]:
    fields = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    return fields


def _interfaces() -> list[str]:
    try:
        lines = Path("/proc/net/dev").read_text().splitlines()[2:]
    except OSError:
        return []
    return [line.split(":")[0].strip() for line in lines if ":" in line]


def _routes() -> int:
    try:
        return max(0, len(Path("/proc/net/route").read_text().splitlines()) - 1)
    except OSError:
        return 0


def _can_create(directory: Path) -> bool:
    probe = directory / f".rewardsmith-probe-{os.getpid()}"
    try:
        probe.write_bytes(b"")
    except OSError as error:
        if error.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise
        return False
    probe.unlink()
    return True


def _size_mb(path: str) -> float | None:
    try:
        stats = os.statvfs(path)
    except OSError:
        return None
    return stats.f_blocks * stats.f_frsize / 2**20


def _first_line(paths: tuple[str, ...]) -> str | None:
    for path in paths:
        with contextlib.suppress(OSError):
            return Path(path).read_text().strip()
    return None


def _cgroup_bytes_mb(paths: tuple[str, ...]) -> str:
    value = _first_line(paths)
    if value is None or value == "max" or not value.isdigit() or int(value) >= _V1_NO_LIMIT:
        return _UNLIMITED
    return f"{int(value) / 2**20:g}"


def _cpu_cores() -> str:
    v2 = _first_line(("/sys/fs/cgroup/cpu.max",))
    if v2 is not None:
        quota, _, period = v2.partition(" ")
        return _UNLIMITED if quota == "max" else f"{int(quota) / int(period):g}"
    quota = _first_line(("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us"))
    period = _first_line(("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us"))
    if quota is None or period is None or int(quota) < 0:
        return _UNLIMITED
    return f"{int(quota) / int(period):g}"


def _rlimit(which: int, unit: int) -> str:
    soft, _ = resource.getrlimit(which)
    return _UNLIMITED if soft == resource.RLIM_INFINITY else f"{soft / unit:g}"


def _readable(path: Path) -> bool:
    try:
        if path.is_dir():
            next(iter(path.iterdir()), None)
        else:
            with path.open("rb") as handle:
                handle.read(1)
    except OSError:
        return False
    return True
