"""Which host process owns a container, and what becomes of containers whose owner is gone.

A container cannot ask the kernel to end it with its host process (``PR_SET_PDEATHSIG`` does not cross
into a container), so two things stand in for that. Each container is labelled with the host and PID
that started it, and the next :class:`~rewardsmith.sandbox.docker.DockerSandbox` on this host removes the
containers of processes that no longer run (:func:`remove_orphans`). And while a job runs the host
touches a heartbeat file the container reads; the supervisor inside ends the job, or the warm
container, once the file is older than :data:`~rewardsmith.sandbox.supervisor.HOST_GONE_S`.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from rewardsmith.sandbox.docker.containers import discard
from rewardsmith.sandbox.docker.image import LABEL

#: Labels on every container this backend starts: what it is, and which host process owns it.
OWNER_LABEL = "io.rewardsmith.owner"
#: How often the host touches a heartbeat while it waits; well within the supervisor's patience.
HEARTBEAT_INTERVAL_S = 2.0


def owner() -> str:
    """This process, as a container's owner label names it: ``host/pid``."""
    return f"{os.uname().nodename}/{os.getpid()}"


def beat(heartbeat: Path) -> None:
    """Touch a heartbeat file; a container already gone, or a file removed with it, is no error."""
    with contextlib.suppress(OSError):
        heartbeat.touch()


def remove_orphans(client: Any) -> list[str]:
    """Remove containers this backend started from processes of this host that no longer run; their ids.

    Containers of other hosts sharing the engine are left alone: whether their owner lives cannot be
    told from here.
    """
    removed = []
    for container in client.containers.list(all=True, filters={"label": LABEL}):
        host, _, pid = container.labels.get(OWNER_LABEL, "").rpartition("/")
        if host != os.uname().nodename or not pid.isdigit() or _alive(int(pid)):
            continue
        discard(container)
        removed.append(container.id)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
