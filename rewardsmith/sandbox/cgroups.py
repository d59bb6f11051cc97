"""Per-job cgroups for backends that have no container engine to make them (bwrap).

A cgroup caps what rlimits cannot: the number of processes of a job (RLIMIT_NPROC counts a whole user,
and binds no one whose processes map to the host's root) and the memory of all of its processes
together, page cache and tmpfs included. Making one needs write access to the cgroup filesystem,
which a root host has; elsewhere :func:`make_job_cgroup` returns None and the backend says what it
goes without.

Both layouts are handled: cgroup v1 (a directory per controller, ``pids`` and ``memory``) and v2 (one
tree; a ``rewardsmith`` group under the root with both controllers enabled for its children).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
_GROUP = "rewardsmith"
_REMOVE_TIMEOUT_S = 2.0
_CPU_PERIOD_US = 100_000


@dataclass(frozen=True)
class JobCgroup:
    """The cgroup directories of one job (one per v1 controller, or one v2 group) and what they hold."""

    directories: tuple[Path, ...]
    version: int
    pids_max: int
    memory_bytes: int
    cpu_cores: float

    @property
    def procs_files(self) -> tuple[Path, ...]:
        """Write a pid to each of these to put that process, and its future children, in the job's cgroup."""
        return tuple(directory / "cgroup.procs" for directory in self.directories)

    def mounts(self) -> list[tuple[Path, str]]:
        """(host directory, path inside) pairs that show the job its own limits where /sys shows them."""
        if self.version == 2:
            return [(self.directories[0], str(CGROUP_ROOT))]
        return [(directory, str(CGROUP_ROOT / directory.parent.parent.name)) for directory in self.directories]

    def remove(self) -> None:
        """Kill whatever is left in the cgroup and remove it."""
        deadline = time.monotonic() + _REMOVE_TIMEOUT_S
        for directory in self.directories:
            while True:
                for pid in _pids(directory):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(0.01)


def make_job_cgroup(name: str, *, pids_max: int, memory_bytes: int, cpu_cores: float) -> JobCgroup | None:
    """A fresh cgroup for one job with these limits, or None where this host does not let us make one.

    Args:
        name: Unique among running jobs; used as the directory name.
        pids_max: Most processes (threads included) the job may have at once.
        memory_bytes: Most memory all of the job's processes may use together, swap included where the
            kernel accounts it.
        cpu_cores: CPU time per wall-clock second, in cores (a CFS quota).
    """
    if not _writable(CGROUP_ROOT):
        return None
    if (CGROUP_ROOT / "cgroup.controllers").is_file():
        return _make_v2(name, pids_max, memory_bytes, cpu_cores)
    return _make_v1(name, pids_max, memory_bytes, cpu_cores)


def _make_v1(name: str, pids_max: int, memory_bytes: int, cpu_cores: float) -> JobCgroup | None:
    roots = (CGROUP_ROOT / "pids", CGROUP_ROOT / "memory", CGROUP_ROOT / "cpu")
    if not all(_writable(root) for root in roots):
        return None
    made: list[Path] = []
    try:
        for root in roots:
            directory = root / _GROUP / name
            directory.mkdir(parents=True)
            made.append(directory)
        pids, memory, cpu = made
        (pids / "pids.max").write_text(str(pids_max))
        (memory / "memory.limit_in_bytes").write_text(str(memory_bytes))
        swap = memory / "memory.memsw.limit_in_bytes"
        if swap.exists():  # only where the kernel accounts swap
            swap.write_text(str(memory_bytes))
        (cpu / "cpu.cfs_period_us").write_text(str(_CPU_PERIOD_US))
        (cpu / "cpu.cfs_quota_us").write_text(str(int(cpu_cores * _CPU_PERIOD_US)))
    except OSError:
        JobCgroup(tuple(made), 1, pids_max, memory_bytes, cpu_cores).remove()
        return None
    return JobCgroup(tuple(made), 1, pids_max, memory_bytes, cpu_cores)


def _make_v2(name: str, pids_max: int, memory_bytes: int, cpu_cores: float) -> JobCgroup | None:
    group = CGROUP_ROOT / _GROUP
    directory = group / name
    try:
        group.mkdir(exist_ok=True)
        # Children get limits only from controllers their parent enables.
        (group / "cgroup.subtree_control").write_text("+pids +memory +cpu")
        directory.mkdir()
        (directory / "pids.max").write_text(str(pids_max))
        (directory / "memory.max").write_text(str(memory_bytes))
        (directory / "cpu.max").write_text(f"{int(cpu_cores * _CPU_PERIOD_US)} {_CPU_PERIOD_US}")
        with contextlib.suppress(OSError):
            (directory / "memory.swap.max").write_text("0")
    except OSError:
        with contextlib.suppress(OSError):
            directory.rmdir()
        return None
    return JobCgroup((directory,), 2, pids_max, memory_bytes, cpu_cores)


def _pids(directory: Path) -> list[int]:
    try:
        return [int(line) for line in (directory / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _writable(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK)
