"""Reading answers out of completions, the same way for every checker: after the last marker, on its line."""

from __future__ import annotations

import re

#: The marker the arithmetic, sorting and counting tasks ask the answer to follow.
ANSWER_MARKER = "Answer:"

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def after_marker(completion: str, marker: str = ANSWER_MARKER) -> str | None:
    """The text after the last ``marker`` up to the end of its line, stripped; None without a marker."""
    index = completion.rfind(marker)
    if index < 0:
        return None
    return completion[index + len(marker) :].split("\n", 1)[0].strip()


def single_number(text: str | None) -> float | None:
    """The number ``text`` is, when it is exactly one number (a trailing period allowed); else None.

    A list of guesses, a word or an empty answer is None, so that no checker pays a spread of answers.
    """
    if text is None:
        return None
    cleaned = text.strip().rstrip(".")
    return float(cleaned) if _NUMBER.fullmatch(cleaned) else None


def integer_list(text: str | None) -> list[int] | None:
    """The integers of a comma-separated list such as ``"3, 5, 9"``; None if any item is not an integer."""
    if text is None or not text.strip():
        return None
    items = [item.strip() for item in text.strip().rstrip(".").split(",")]
    if not all(re.fullmatch(r"[-+]?\d+", item) for item in items):
        return None
    return [int(item) for item in items]
