"""The runner's report channel: how a job's result reaches ``result.json`` without a path reward code can open.

The runner and the reward it loads share a process, so whatever file the runner could open by name, the
reward could open too, and a forged ``result.json`` was one ``open`` (or a storage mapped from the file,
or a profiler's export) away. So the runner opens nothing: whoever starts it makes an anonymous file
(:func:`open_report`, a memfd, which no path names) and hands it over by descriptor; the runner writes its
result there last (:func:`write_report`); and the party that outlives the job (the host for the process
and bwrap backends, a container's supervisor for docker) writes ``result.json`` from it once every
process of the job is gone (:func:`deliver`), replacing whatever reward code left under that name.

Reward code that reaches the descriptor itself, through the interpreter it shares with the runner, can
still write a report of its own; the runner's own report replaces it unless the reward then ends the
process at once, and the critic refuses every API that leads there (``os``, ``sys``, ``gc``, private names).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from rewardsmith.sandbox.files import remove_path
from rewardsmith.sandbox.schema import RESULT_FILE


def open_report() -> int:
    """A new, empty anonymous file for one job's report; the caller closes it."""
    return os.memfd_create("rewardsmith-report")


def write_report(fd: int, data: bytes) -> None:
    """Replace the report in ``fd`` with ``data``: whatever was written there before is dropped."""
    os.ftruncate(fd, 0)
    view = memoryview(data)
    offset = 0
    while offset < len(view):
        offset += os.pwrite(fd, view[offset:], offset)


def deliver(fd: int, out_dir: Path, limit: int) -> str | None:
    """Write ``out_dir/result.json`` from the report in ``fd``, after every process of the job has ended.

    Whatever the job left under that name (a file, a link, a directory) is removed first; an empty report
    leaves no result, which the host reads as a job that reported nothing. A report over ``limit`` bytes is
    cut at ``limit + 1``, enough for the host to call it too large.

    Args:
        fd: The job's report, from :func:`open_report`.
        out_dir: The job's output directory, as the one who delivers sees it.
        limit: The most bytes the host reads.

    Returns:
        None, or why no result could be written (then there is none, and the host reads no result).
    """
    target = out_dir / RESULT_FILE
    partial = out_dir / f".{RESULT_FILE}.{os.getpid()}.partial"
    try:
        data = os.pread(fd, limit + 1, 0)
        remove_path(target)
        if not data:
            return None
        remove_path(partial)
        # O_EXCL with O_NOFOLLOW: a name planted since the removal makes this fail rather than write through it.
        handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
        partial.replace(target)
    except OSError as error:
        with contextlib.suppress(OSError):
            remove_path(target)
        return f"result.json not written: {error}"
    return None
