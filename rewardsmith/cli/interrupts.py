"""Ctrl-C and SIGTERM during a command: the run stops at once, is kept, and the way on is printed.

SIGINT already raises ``KeyboardInterrupt`` in the main thread; SIGTERM is made to raise its subclass
:class:`Terminated`, so both reach :mod:`rewardsmith.api`, which ends the run's jobs and keeps its
record. The command then prints one line and leaves at once, without waiting for threads that are
still in a model's answer: everything a run writes is written whole or not at all.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from rewardsmith.api import RunInterruptedError
from rewardsmith.cli.common import console, errors

#: Exit statuses by signal, as a shell reports a process a signal ended: 128 plus its number.
EXIT_STATUS = {"SIGINT": 128 + signal.SIGINT, "SIGTERM": 128 + signal.SIGTERM}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the main thread is, like Ctrl-C."""

    signal_name = "SIGTERM"


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


@contextmanager
def stops_cleanly() -> Iterator[None]:
    """Run a command so that SIGINT and SIGTERM end it with one line and the right exit status."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    except RunInterruptedError as stopped:
        leave(str(stopped), EXIT_STATUS.get(stopped.signal_name, 130))
    except KeyboardInterrupt as interruption:
        name = getattr(interruption, "signal_name", "SIGINT")
        leave(f"interrupted by {name} before a run started; nothing was run", EXIT_STATUS.get(name, 130))
    finally:
        signal.signal(signal.SIGTERM, previous)


def leave(message: str, code: int) -> None:
    """Print ``message`` and exit now, not waiting for the run's threads (see the module docstring)."""
    errors.print(f"[bold yellow]{message}[/]", highlight=False, soft_wrap=True)
    console.file.flush()
    errors.file.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
