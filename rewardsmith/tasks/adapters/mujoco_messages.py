"""MuJoCo's model-compiler warnings, sent to logging instead of stderr while environments are made.

Gymnasium 1.4's HalfCheetah model uses a compiler attribute MuJoCo 3.17 deprecates; MuJoCo prints that
to stderr for every environment made, so a batch of 32 prints it 32 times into the user's progress.
Nothing the user can do about it, so it goes to the debug log.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
from collections.abc import Iterator

_LOG = logging.getLogger(__name__)


@contextlib.contextmanager
def mujoco_warnings_logged() -> Iterator[None]:
    """Within the block, MuJoCo warnings go to this module's logger; outside it, MuJoCo's handler is as it was."""
    if importlib.util.find_spec("mujoco") is None:
        yield
        return
    import mujoco

    previous = mujoco.get_mju_user_warning()
    mujoco.set_mju_user_warning(lambda message: _LOG.debug("MuJoCo: %s", message))
    try:
        yield
    finally:
        mujoco.set_mju_user_warning(previous)
