"""Where a user's task file is seen inside a container: one fixed root, never the file's host path.

A task given as ``/host/dir/file.py:Class`` has its directory mounted read-only at
``/rewardsmith-task/<digest of /host/dir>``, so that no host path can collide with the container's
own mount points (``/tmp`` is a tmpfs there, ``/job`` and ``/out`` the job's) or shadow the image's
directories. The runner maps the reference back with :func:`task_in_container`; outside a container
the mapped path does not exist and the reference is left as it is.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: The in-container directory under which user task directories are mounted.
TASK_ROOT = "/rewardsmith-task"


def task_file(task: str) -> Path | None:
    """The absolute path of a ``path/file.py:Class`` reference's file; None for a registry name."""
    path, separator, _ = task.rpartition(":")
    if not separator or not path.endswith(".py"):
        return None
    return Path(path).resolve()


def mounted_dir(host_dir: Path) -> str:
    """Where ``host_dir`` is mounted inside a container."""
    return f"{TASK_ROOT}/{hashlib.sha256(str(host_dir).encode()).hexdigest()[:16]}"


def task_in_container(task: str) -> str:
    """``task`` as the runner should load it: the mounted copy where there is one, else unchanged."""
    file = task_file(task)
    if file is None:
        return task
    mounted = Path(mounted_dir(file.parent)) / file.name
    return f"{mounted}:{task.rpartition(':')[2]}" if mounted.is_file() else task
