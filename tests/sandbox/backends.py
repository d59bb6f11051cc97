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
    """Command lines of host processes that belong to a sandbox job: runners, warm workers, bwrap."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        markers = ("rewardsmith.sandbox.runner", "rewardsmith.sandbox.supervisor")
        program = Path(command.split(" ", 1)[0]).name
        if any(marker in command for marker in markers) or program == "bwrap":
            found.append(f"{entry.name}: {command[:200]}")
    return found
