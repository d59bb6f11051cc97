"""Reading files that untrusted code could have written or replaced (host side)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

# Opened without following a link, and without blocking on a FIFO planted under the name.
_UNTRUSTED_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK


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
    return _read_regular(os.open(path, _UNTRUSTED_FLAGS), path.name, size, offset)


def read_beneath(root: Path, name: str, size: int) -> bytes:
    """Up to ``size`` bytes of the regular file ``root/name``, following no link on the way to it.

    Args:
        root: A directory the host made (it may itself be reached through links).
        name: A relative path of plain parts inside ``root``, e.g. ``episodes/checkpoint_00.npz``.
        size: The most bytes to read.

    Raises:
        FileNotFoundError: There is no such file.
        NotARegularFileError: It is not a regular file.
        OSError: It cannot be opened or read: a link anywhere below ``root`` gives ELOOP or ENOTDIR.
    """
    return _read_regular(open_beneath(root, name), name, size, 0)


def size_beneath(root: Path, name: str) -> int:
    """The size in bytes of the regular file ``root/name``, found as :func:`read_beneath` finds it."""
    fd = open_beneath(root, name)
    try:
        return _regular_stat(fd, name).st_size
    finally:
        os.close(fd)


def open_beneath(root: Path, name: str) -> int:
    """A read-only descriptor of ``root/name``; each directory on the way is opened without following links.

    ``O_NOFOLLOW`` alone guards only the last part of a path: a job could replace a directory inside
    its output with a link to anywhere on the host. Walking one part at a time from ``root`` closes that.
    The caller closes the descriptor.
    """
    parts = name.split("/")
    directory = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=directory)
            os.close(directory)
            directory = inner
        return os.open(parts[-1], _UNTRUSTED_FLAGS, dir_fd=directory)
    finally:
        os.close(directory)


def remove_path(path: Path) -> None:
    """Remove a file, link or directory tree at ``path``, whatever the job left there; nothing if absent.

    A link is removed itself, never followed.
    """
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _regular_stat(fd: int, name: str) -> os.stat_result:
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        raise NotARegularFileError(f"{Path(name).name} is not a regular file")
    return status


def _read_regular(fd: int, name: str, size: int, offset: int) -> bytes:
    """Read from ``fd``, which this call closes, once it is known to be a regular file."""
    try:
        _regular_stat(fd, name)
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
