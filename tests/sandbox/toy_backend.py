"""A toy sandbox backend: the process backend's runner under a name of its own, as a new backend's module is.

A real one (gVisor, a remote machine) would implement ``Sandbox.execute`` and say in ``unavailable``
when it cannot run; this one only shows that a module and one registration line are all it takes.
"""

from __future__ import annotations

from rewardsmith.sandbox import Backend, OpenOptions, ProcessSandbox


class ToySandbox(ProcessSandbox):
    """The process backend, answering as ``toy`` so that a result shows which backend ran it."""

    name = "toy"
    isolation = "None beyond the process backend's: it is that backend under a test's name."


def _open(options: OpenOptions) -> ToySandbox:
    return ToySandbox()


TOY = Backend(name="toy", description="a test's stand-in for a new backend, running unisolated", open=_open)
