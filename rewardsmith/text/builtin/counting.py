"""Counting the occurrences of a letter in a word.

=============  ======================================================================
prompt         a word of a fixed list and a letter (in the word four times in five)
answer         the count, an integer as text (``"3"``)
solution       the word spelled out letter by letter, then ``"Answer: 3"``
checker        1 when the number after the last ``Answer:`` is exactly the count, else 0
=============  ======================================================================
"""

from __future__ import annotations

import random
import string

from rewardsmith.text.builtin.arithmetic import check, in_form
from rewardsmith.text.builtin.common import DEFAULT_SPLIT_SIZE, builtin_task
from rewardsmith.text.task import TextExample, TextTask

MAX_CHARS = 200  # characters a completion may take and still score

_WORDS = (
    "strawberry", "banana", "mississippi", "bookkeeper", "committee", "parallel", "assessment", "balloon",
    "coffee", "necessary", "occurrence", "address", "embarrass", "millennium", "possession", "accommodate",
    "referral", "cucumber", "pepper", "tomorrow", "letter", "success", "giraffe", "rhythm", "yellow", "puzzle",
)  # fmt: skip
DESCRIPTION = (
    "Count how many times a letter appears in a word. A good completion may spell the word out, and ends with "
    f"a last line 'Answer: <number>'. Completions longer than {MAX_CHARS} characters score nothing. The "
    "reference count of each training prompt is given to reward code as `answers` (a string)."
)


def generate(rng: random.Random) -> TextExample:
    word = rng.choice(_WORDS)
    letter = rng.choice(word) if rng.random() < 0.8 else rng.choice(string.ascii_lowercase)
    count = word.count(letter)
    prompt = (
        f"How many times does the letter '{letter}' appear in the word '{word}'? Give the count on a last line as "
        f"'Answer: <number>'. Keep it under {MAX_CHARS} characters."
    )
    solution = f"{'-'.join(word)} has {count} '{letter}'.\nAnswer: {count}"
    return TextExample(prompt=prompt, answer=str(count), form="Answer: {answer}", solution=solution)


def make_task(seed: int = 0, train_size: int = DEFAULT_SPLIT_SIZE, held_out_size: int = DEFAULT_SPLIT_SIZE) -> TextTask:
    return builtin_task(
        "counting",
        description=DESCRIPTION,
        max_chars=MAX_CHARS,
        generate=generate,
        checker=check,
        format_check=in_form,
        seed=seed,
        train_size=train_size,
        held_out_size=held_out_size,
        rewards="final_number",
    )
