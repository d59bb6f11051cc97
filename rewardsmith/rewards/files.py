"""Reward files from the user (``--seed-reward``, ``train --reward``): read with a size cap, as text."""

from __future__ import annotations

from pathlib import Path

#: The largest reward file accepted: reward code is a few kilobytes; anything bigger is not reward code.
MAX_REWARD_FILE_BYTES = 256 << 10


class RewardFileError(ValueError):
    """A reward file cannot be used; the one-line message names it and says what to pass instead."""


def read_reward_file(path: Path, option: str) -> str:
    """The text of the reward file ``path``, given with ``option`` (which the messages name).

    Raises:
        RewardFileError: It is not a readable file, is larger than :data:`MAX_REWARD_FILE_BYTES`, or is
            not UTF-8 text.
    """
    try:
        if not path.is_file():
            raise RewardFileError(f"{option} '{path}' is not a file; pass a reward file")
        size = path.stat().st_size
        if size > MAX_REWARD_FILE_BYTES:
            raise RewardFileError(
                f"{option} '{path}' is {size:,} bytes; reward code is at most {MAX_REWARD_FILE_BYTES:,}: "
                "pass a reward file"
            )
        return path.read_text()
    except UnicodeDecodeError:
        raise RewardFileError(f"{option} '{path}' is not UTF-8 text; pass a reward file") from None
    except OSError as error:
        raise RewardFileError(f"cannot read {option} '{path}': {error.strerror or error}; pass a reward file") from None
