"""Reading files that untrusted code could have written or replaced (host side)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path


class NotARegularFileError(OSError):
    """The path is a directory, FIFO, device or socket, not a plain file."""


def read_untrusted(path: Path, size: int, offset: int = 0) -> bytes:
    """Up to ``size`` bytes of a regular file from ``offset``, without following links or blocking.

    A link could point at any file on the host, and opening a FIFO planted under the name would block
    the reader forever; both are refused.

    Args:
        path: The file.
        size: The most bytes to read.
        offset: Where to start.

    Returns:
        The bytes read; fewer than ``size`` only at the end of the file.

    Raises:
        FileNotFoundError: There is no such file.
        NotARegularFileError: It is not a regular file.
        OSError: It cannot be opened or read (a link gives ELOOP).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotARegularFileError(f"{path.name} is not a regular file")
        os.lseek(fd, offset, os.SEEK_SET)
        chunks: list[bytes] = []
        left = size
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def remove_path(path: Path) -> None:
    """Remove a file, link or directory tree at ``path``, whatever the job left there; nothing if absent.

    A link is removed itself, never followed.
    """
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
