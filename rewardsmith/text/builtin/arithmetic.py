"""Multi-step arithmetic word problems: a quantity changes in two or three steps; give the final amount.

=============  ======================================================================
prompt         a short story: a start amount, then 2-3 changes (groups bought, some given away, some found)
answer         the final amount, an integer as text (``"24"``)
solution       one step per line (``"12 + 3 × 7 = 33"``), then ``"Answer: 24"``
checker        1 when the number after the last ``Answer:`` is exactly the answer, else 0
=============  ======================================================================
"""

from __future__ import annotations

import random

from rewardsmith.text.answers import after_marker, single_number
from rewardsmith.text.builtin.common import DEFAULT_SPLIT_SIZE, builtin_task
from rewardsmith.text.task import TextExample, TextTask

MAX_CHARS = 400  # characters a completion may take and still score

_NAMES = ("Ava", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Iris", "Jonas", "Kira", "Liam")
_ITEMS = ("apples", "marbles", "stickers", "pencils", "coins", "shells", "cards", "beads")
DESCRIPTION = (
    "Multi-step arithmetic word problems. Each prompt tells how an amount changes in two or three steps and "
    "asks for the final amount. A good completion shows its steps, one per line, and ends with a last line "
    f"'Answer: <number>'. Completions longer than {MAX_CHARS} characters score nothing. The reference answer "
    "of each training prompt is given to reward code as `answers` (a string)."
)


def generate(rng: random.Random) -> TextExample:
    name, item = rng.choice(_NAMES), rng.choice(_ITEMS)
    amount = rng.randint(5, 40)
    story = [f"{name} has {amount} {item}."]
    steps = []
    for kind in rng.sample(("groups", "give", "find"), k=rng.choice((2, 3))):
        if kind == "groups":
            bags, each = rng.randint(2, 5), rng.randint(2, 9)
            story.append(f"{name} buys {bags} bags with {each} {item} in each.")
            steps.append(f"{amount} + {bags} × {each} = {amount + bags * each}")
            amount += bags * each
        elif kind == "give":
            given = rng.randint(1, amount)
            story.append(f"{name} gives {given} {item} to a friend.")
            steps.append(f"{amount} − {given} = {amount - given}")
            amount -= given
        else:
            found = rng.randint(1, 15)
            story.append(f"{name} finds {found} more {item}.")
            steps.append(f"{amount} + {found} = {amount + found}")
            amount += found
    prompt = (
        f"{' '.join(story)} How many {item} does {name} have now? Show your steps, one per line, then give the "
        f"final number on a last line as 'Answer: <number>'. Keep it under {MAX_CHARS} characters."
    )
    return TextExample(
        prompt=prompt, answer=str(amount), form="Answer: {answer}", solution="\n".join([*steps, f"Answer: {amount}"])
    )


def check(completion: str, example: TextExample) -> float:
    number = single_number(after_marker(completion))
    return float(number is not None and example.answer is not None and number == float(example.answer))


def in_form(completion: str, example: TextExample) -> float:
    """1 when a single number follows the last 'Answer:', right or wrong."""
    return float(single_number(after_marker(completion)) is not None)


def make_task(seed: int = 0, train_size: int = DEFAULT_SPLIT_SIZE, held_out_size: int = DEFAULT_SPLIT_SIZE) -> TextTask:
    return builtin_task(
        "arithmetic",
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
