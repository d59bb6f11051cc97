"""Training progress across the sandbox boundary: one JSON line per PPO update in ``progress.jsonl``.

The runner appends; the host polls the file while it waits and hands each valid line to a callback.
Reward code can write that file too, so the host reads it like the result: capped, without following
links, and skipping lines that do not validate.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rewardsmith.sandbox.files import read_untrusted

# A real line is about 40 bytes; anything much longer is not one.
_MAX_LINE_BYTES = 256
_MAX_READ_BYTES = 64 << 10


class ProgressLine(BaseModel):
    """Steps done so far out of the run's total."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    steps: int = Field(ge=0, description="Environment steps done so far.")
    total: int = Field(ge=0, description="Environment steps the run will take.")


def append_progress(path: Path, steps: int, total: int) -> None:
    """Append one progress line (runner side)."""
    with path.open("a") as handle:
        handle.write(ProgressLine(steps=steps, total=total).model_dump_json() + "\n")


class ProgressReader:
    """Polls a progress file and calls back once per new valid line (host side).

    Args:
        path: The ``progress.jsonl`` to follow.
        callback: Called as ``callback(steps, total)``; None makes :meth:`poll` a no-op.
    """

    def __init__(self, path: Path, callback: Callable[[int, int], None] | None) -> None:
        self._path = path
        self._callback = callback
        self._offset = 0
        self._partial = b""

    def poll(self) -> None:
        """Read what was appended since the last poll and report each complete, valid line."""
        if self._callback is None:
            return
        try:
            data = read_untrusted(self._path, _MAX_READ_BYTES, offset=self._offset)
        except OSError:
            return
        self._offset += len(data)
        *lines, self._partial = (self._partial + data).split(b"\n")
        if len(self._partial) > _MAX_LINE_BYTES:
            self._partial = b""
        for line in lines:
            if len(line) > _MAX_LINE_BYTES:
                continue
            try:
                progress = ProgressLine.model_validate_json(line)
            except ValidationError:
                continue
            self._callback(progress.steps, progress.total)
