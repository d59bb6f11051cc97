"""Who owns a job's output directory while a container writes to it, and afterwards.

The job runs as uid 65534; the output directory is the host user's. For the duration of a job the
job's uid is let in, and everything it made is given back to the host user after it (as root;
without root, the directory is made world-writable and what the job made stays its uid's, which the
host can still remove).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

#: The job's uid and gid inside every container.
JOB_UID = 65534


@contextlib.contextmanager
def granted(out_dir: Path) -> Iterator[None]:
    """Let the job's uid write ``out_dir`` for the duration, then give everything in it back to this user."""
    let_job_write(out_dir)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            _chown_tree(out_dir, 0, 0)


def let_job_write(directory: Path) -> None:
    """Make ``directory`` writable by the job's uid: its owner as root; otherwise world-writable.

    Without root, files the job makes stay its uid's; a world-writable directory at least lets the host
    remove them.
    """
    if os.geteuid() == 0:
        os.chown(directory, JOB_UID, JOB_UID)
    else:
        directory.chmod(0o777)


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    for directory, dirnames, filenames in os.walk(root):
        for name in (Path(directory), *(Path(directory, entry) for entry in dirnames + filenames)):
            with contextlib.suppress(OSError):
                os.chown(name, uid, gid, follow_symlinks=False)
