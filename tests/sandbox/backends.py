"""Start a real isolating backend for a test, or say why not: a skip on a developer's machine, a failure in CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rewardsmith.sandbox import Sandbox


def in_ci() -> bool:
    """Whether this run is CI's, where every backend must be available."""
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    """Fail in CI, skip elsewhere; either way the reason is printed."""
    if in_ci():
        pytest.fail(f"CI=true and this test needs it: {reason}")
    pytest.skip(reason)


def open_backend(name: str, scratch: Path) -> Sandbox:
    """A real ``docker`` or ``bwrap`` sandbox whose scratch directories go under ``scratch``."""
    if name == "docker":
        from rewardsmith.sandbox.docker import DockerSandbox, docker_unavailable_reason

        reason = docker_unavailable_reason()
        if reason is not None:
            unavailable(f"docker backend: {reason}")
        return DockerSandbox(scratch_root=scratch, pool_size=2)
    from rewardsmith.sandbox.bwrap import BwrapSandbox, bwrap_available

    reason = bwrap_available()
    if reason is not None:
        unavailable(f"bwrap backend: {reason}")
    return BwrapSandbox(scratch_root=scratch)


def sandbox_processes() -> list[str]:
    """Command lines of host processes that belong to a sandbox job: runners, supervisors, bwrap."""
    markers = ("rewardsmith.sandbox.runner", "rewardsmith.sandbox.supervisor")
    found = []
    for pid, _, _, _, argv in live_processes():
        command = argv.replace(b"\0", b" ").decode(errors="replace")
        program = Path(command.split(" ", 1)[0]).name
        if pid != os.getpid() and (any(marker in command for marker in markers) or program == "bwrap"):
            found.append(f"{pid}: {command[:200]}")
    return found


def live_processes() -> list[tuple[int, str, int, int, bytes]]:
    """(pid, state, process group, session, argv) of every live process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found.append((int(entry.name), fields[0], int(fields[2]), int(fields[3]), argv))
    return found
