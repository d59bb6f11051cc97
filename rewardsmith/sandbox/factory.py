"""Pick a sandbox backend by name."""

from __future__ import annotations

import logging

from rewardsmith.sandbox.base import Sandbox
from rewardsmith.sandbox.process import ProcessSandbox

#: Backend names make_sandbox accepts; "none" is an alias of "process", which isolates no more than that.
BACKENDS: tuple[str, ...] = ("process", "none")

_log = logging.getLogger(__name__)


def make_sandbox(name: str) -> Sandbox:
    """The sandbox backend called ``name``.

    Args:
        name: ``"process"`` (or ``"none"``), a local child process with resource limits only.

    Returns:
        The backend.

    Raises:
        ValueError: No backend has that name; the one-line message lists those that exist.
    """
    if name in ("process", "none"):
        sandbox = ProcessSandbox()
        _log.warning("sandbox '%s': %s", name, sandbox.isolation)
        return sandbox
    raise ValueError(f"unknown sandbox backend '{name}': available backends are {', '.join(BACKENDS)}")
