"""A summary that must mention given facts within a word limit: a task a rubric fits better than a checker.

=============  ======================================================================
prompt         notes on a made-up company (longer than the limit), the word limit, and the facts to mention
answer         None: there is no single right summary
info           ``facts``: the three facts (strings) to mention; ``max_words``: the word limit
solution       one sentence holding the three facts
checker        0 over the word limit; else the share of the facts mentioned (case-insensitive)
=============  ======================================================================

The checker measures only what can be checked; whether the summary is faithful and readable is a
judge criterion's business, which is why a rubric fits this task better than a bare checker.
"""

from __future__ import annotations

import random

from rewardsmith.text.builtin.common import DEFAULT_SPLIT_SIZE, builtin_task
from rewardsmith.text.task import TextExample, TextTask

MAX_WORDS = 40  # words a summary may have and still score
MAX_CHARS = 400  # characters a completion may take and still score

_FIRST = ("Nor", "Vel", "Ka", "Tri", "Lum", "Ors", "Zen", "Quo", "Mar", "Pel")
_LAST = ("dex", "ora", "vian", "tek", "ix", "lune", "bryn", "sol")
_CITIES = ("Lisbon", "Tampere", "Ghent", "Porto", "Aarhus", "Graz", "Bergen", "Utrecht", "Malmo", "Brno")
_PRODUCTS = ("solar inverters", "bicycle locks", "water filters", "hearing aids", "seed drills", "kiln controllers")
DESCRIPTION = (
    f"Summarise notes on a company in at most {MAX_WORDS} words, mentioning three given facts. The trusted check "
    "is the share of the facts mentioned, and nothing over the word limit; a good summary is also faithful and "
    "readable. Reward code receives no `answers` (they are None) but the columns `facts` (a list of three "
    "strings per prompt) and `max_words`."
)


def generate(rng: random.Random) -> TextExample:
    company = rng.choice(_FIRST) + rng.choice(_LAST)
    city, product = rng.choice(_CITIES), rng.choice(_PRODUCTS)
    year, staff = str(rng.randint(1950, 2020)), rng.randint(12, 900)
    notes = (
        f"{company} was founded in {year} in {city}. It makes {product}, sold mostly to small workshops. The "
        f"company employs {staff} people, most of them in assembly. Its first office was above a bakery, and the "
        f"founders still meet there every spring. Last year it opened a second warehouse near the harbour and "
        f"started a training programme for apprentices."
    )
    facts = [company, city, year]
    prompt = (
        f"Summarise the notes below in at most {MAX_WORDS} words. The summary must mention {company}, {city} "
        f"and {year}.\n\nNotes: {notes}"
    )
    solution = f"{company}, founded in {year} in {city}, makes {product} and employs {staff} people."
    return TextExample(
        prompt=prompt,
        answer=None,
        form="Summary: {answer}",
        solution=solution,
        info={"facts": facts, "max_words": MAX_WORDS},
    )


def check(completion: str, example: TextExample) -> float:
    if len(completion.split()) > int(example.info["max_words"]):  # type: ignore[arg-type]
        return 0.0
    facts = [str(fact) for fact in example.info["facts"]]  # type: ignore[union-attr]
    text = completion.lower()
    return sum(fact.lower() in text for fact in facts) / len(facts)


def make_task(seed: int = 0, train_size: int = DEFAULT_SPLIT_SIZE, held_out_size: int = DEFAULT_SPLIT_SIZE) -> TextTask:
    return builtin_task(
        "summary",
        description=DESCRIPTION,
        max_chars=MAX_CHARS,
        generate=generate,
        checker=check,
        seed=seed,
        train_size=train_size,
        held_out_size=held_out_size,
    )
