"""Sorting a list of integers in ascending order.

=============  ======================================================================
prompt         4 to 7 integers in 0..99, in random order
answer         the sorted integers, comma-separated (``"3, 5, 9"``)
solution       ``"Answer: 3, 5, 9"``
checker        1 when the list after the last ``Answer:`` is exactly the sorted list, else 0
=============  ======================================================================
"""

from __future__ import annotations

import random

from rewardsmith.text.answers import after_marker, integer_list
from rewardsmith.text.builtin.common import DEFAULT_SPLIT_SIZE, builtin_task
from rewardsmith.text.task import TextExample, TextTask

MAX_CHARS = 200  # characters a completion may take and still score

DESCRIPTION = (
    "Sort a list of integers in ascending order. A good completion ends with a last line 'Answer: ' followed by "
    f"the sorted numbers separated by commas. Completions longer than {MAX_CHARS} characters score nothing. "
    "The reference answer of each training prompt is given to reward code as `answers`, e.g. '3, 5, 9'."
)


def generate(rng: random.Random) -> TextExample:
    numbers = [rng.randint(0, 99) for _ in range(rng.randint(4, 7))]
    listed = ", ".join(map(str, numbers))
    answer = ", ".join(map(str, sorted(numbers)))
    prompt = (
        f"Sort these numbers in ascending order: {listed}. Give them on a last line as 'Answer: ' followed by the "
        f"sorted numbers separated by commas. Keep it under {MAX_CHARS} characters."
    )
    return TextExample(prompt=prompt, answer=answer, form="Answer: {answer}", solution=f"Answer: {answer}")


def check(completion: str, example: TextExample) -> float:
    given = integer_list(after_marker(completion))
    return float(given is not None and example.answer is not None and given == integer_list(example.answer))


def in_form(completion: str, example: TextExample) -> float:
    """1 when a list of integers follows the last 'Answer:', sorted or not."""
    return float(integer_list(after_marker(completion)) is not None)


def make_task(seed: int = 0, train_size: int = DEFAULT_SPLIT_SIZE, held_out_size: int = DEFAULT_SPLIT_SIZE) -> TextTask:
    return builtin_task(
        "sorting",
        description=DESCRIPTION,
        max_chars=MAX_CHARS,
        generate=generate,
        checker=check,
        format_check=in_form,
        seed=seed,
        train_size=train_size,
        held_out_size=held_out_size,
    )
