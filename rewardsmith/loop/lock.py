"""One process owns a run: an advisory lock in the run directory.

``design`` and ``resume`` hold it while they run the loop, so a second one on the same run is refused
with who holds it. The lock is ``flock`` on ``run.lock``: the kernel releases it when its holder
exits, however it exits, so a lock left by a killed process is simply free to take; the holder's
description in the file is only read to say who holds a live one.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import socket
import sys
from pathlib import Path
from types import TracebackType

LOCK_FILE = "run.lock"


class RunLockedError(RuntimeError):
    """Another live process holds the run; the message says which and what to do."""


class RunLock:
    """Hold ``run_dir``'s lock for the life of a ``with`` block.

    Raises:
        RunLockedError: On entry, when a live process holds it.
    """

    def __init__(self, run_dir: Path, command: str) -> None:
        self.path = run_dir / LOCK_FILE
        self.command = command
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunLockedError(
                f"the run {self.path.parent} is in use: {holder(self.path.parent)}; wait for it to end, or stop it "
                "and resume"
            ) from None
        # Ours now: a description left by a process that died holding it is replaced.
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(_description(self.command)).encode())
        os.fsync(fd)
        self._fd = fd
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def holder(run_dir: Path) -> str | None:
    """Who holds ``run_dir``'s lock, in words; None when no live process does."""
    path = run_dir / LOCK_FILE
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pass
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        try:
            described = json.loads(path.read_text() or "{}")
        except (OSError, ValueError):
            described = {}
    finally:
        os.close(fd)
    who = f"pid {described.get('pid', '?')} on {described.get('host', '?')}"
    what = described.get("command")
    since = described.get("since")
    return who + (f" ({what})" if what else "") + (f" since {since}" if since else "")


def _description(command: str) -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": command,
        "argv": sys.argv[:8],
        "since": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
