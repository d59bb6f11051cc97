"""Answering in a required format: the sum of two numbers, in answer tags or as a JSON object.

=============  ======================================================================
prompt         two integers to add, and the required format: ``tags`` or ``json``
answer         the sum, an integer as text (``"42"``)
info           ``format``: ``"tags"`` or ``"json"``
solution       ``"<answer>42</answer>"`` or ``'{"answer": 42}'``, and nothing else
checker        1 when the whole completion is the required format holding the sum, else 0
=============  ======================================================================
"""

from __future__ import annotations

import json
import random
import re
from typing import Literal

from rewardsmith.text.builtin.common import DEFAULT_SPLIT_SIZE, builtin_task
from rewardsmith.text.task import TextExample, TextTask

MAX_CHARS = 100  # characters a completion may take and still score

AnswerFormat = Literal["tags", "json"]
_TAGGED = re.compile(r"\s*<answer>\s*([-+]?\d+)\s*</answer>\s*")
_INSTRUCTIONS: dict[AnswerFormat, str] = {
    "tags": "Reply with only <answer>NUMBER</answer>, nothing else.",
    "json": 'Reply with only a JSON object {"answer": NUMBER}, nothing else.',
}
DESCRIPTION = (
    "Add two integers and answer in a required format: either only <answer>NUMBER</answer>, or only a JSON "
    'object {"answer": NUMBER} with that one key, as each prompt says; nothing may surround it. Completions '
    f"longer than {MAX_CHARS} characters score nothing. Reward code receives the reference sum as `answers` and "
    "the required format of each prompt as the column `format` ('tags' or 'json')."
)


def generate(rng: random.Random) -> TextExample:
    left, right = rng.randint(1, 99), rng.randint(1, 99)
    answer_format: AnswerFormat = rng.choice(("tags", "json"))
    total = left + right
    prompt = f"What is {left} + {right}? {_INSTRUCTIONS[answer_format]}"
    solution = f"<answer>{total}</answer>" if answer_format == "tags" else json.dumps({"answer": total})
    form = "<answer>{answer}</answer>" if answer_format == "tags" else '{"answer": "{answer}"}'
    return TextExample(prompt=prompt, answer=str(total), form=form, solution=solution, info={"format": answer_format})


def formatted_answer(completion: str, answer_format: str) -> int | None:
    """The integer a completion gives in ``answer_format``, when the whole completion is that format; else None."""
    if answer_format == "tags":
        match = _TAGGED.fullmatch(completion)
        return int(match.group(1)) if match else None
    try:
        value = json.loads(completion)
    except ValueError:
        return None
    if not isinstance(value, dict) or set(value) != {"answer"}:
        return None
    answer = value["answer"]
    # bool is an int in Python, and true is not a sum.
    return answer if isinstance(answer, int) and not isinstance(answer, bool) else None


def check(completion: str, example: TextExample) -> float:
    given = formatted_answer(completion, str(example.info["format"]))
    return float(given is not None and example.answer is not None and given == int(example.answer))


def in_form(completion: str, example: TextExample) -> float:
    """1 when the whole completion is the required format holding an integer, whichever."""
    return float(formatted_answer(completion, str(example.info["format"])) is not None)


def make_task(seed: int = 0, train_size: int = DEFAULT_SPLIT_SIZE, held_out_size: int = DEFAULT_SPLIT_SIZE) -> TextTask:
    return builtin_task(
        "formatting",
        description=DESCRIPTION,
        max_chars=MAX_CHARS,
        generate=generate,
        checker=check,
        format_check=in_form,
        seed=seed,
        train_size=train_size,
        held_out_size=held_out_size,
    )
