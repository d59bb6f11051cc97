"""What every built-in text task shares: deterministic splits from one seed, and its reward files."""

from __future__ import annotations

import random
from collections.abc import Callable
from importlib import resources

from rewardsmith.text.task import Checker, TextExample, TextTask

#: Prompts a built-in task makes for each split unless asked for another number.
DEFAULT_SPLIT_SIZE = 64
#: Draws in a row that bring no new prompt before a generator is judged unable to make that many distinct prompts.
_FRUITLESS_DRAWS = 500


def read_text_reward(name: str, suffix: str = ".py") -> str:
    """The text of ``rewards/<name><suffix>`` shipped with the built-in text tasks (``.json`` for a rubric)."""
    return resources.files("rewardsmith.text.builtin").joinpath("rewards", f"{name}{suffix}").read_text()


def splits(
    generate: Callable[[random.Random], TextExample], seed: int, train_size: int, held_out_size: int
) -> tuple[tuple[TextExample, ...], tuple[TextExample, ...]]:
    """``train_size`` then ``held_out_size`` examples from ``generate``, with no prompt in both splits.

    Raises:
        ValueError: A size is not positive, or the generator cannot make that many distinct prompts.
    """
    if train_size <= 0 or held_out_size <= 0:
        raise ValueError(f"split sizes must be positive, got train {train_size} and held-out {held_out_size}")
    rng = random.Random(seed)
    wanted = train_size + held_out_size
    examples: dict[str, TextExample] = {}
    fruitless = 0
    while fruitless < _FRUITLESS_DRAWS:
        example = generate(rng)
        fruitless = fruitless + 1 if example.prompt in examples else 0
        examples.setdefault(example.prompt, example)
        if len(examples) == wanted:
            ordered = tuple(examples.values())
            return ordered[:train_size], ordered[train_size:]
    raise ValueError(f"only {len(examples)} distinct prompts could be drawn, {wanted} were asked for; ask for fewer")


def builtin_task(
    name: str,
    *,
    description: str,
    max_chars: int,
    generate: Callable[[random.Random], TextExample],
    checker: Checker,
    seed: int,
    train_size: int,
    held_out_size: int,
    rewards: str | None = None,
    format_check: Checker | None = None,
) -> TextTask:
    """A built-in task whose reward files are ``rewards/<rewards or name>_{sparse,reference}.py``."""
    train, held_out = splits(generate, seed, train_size, held_out_size)
    files = rewards or name
    return TextTask(
        name=name,
        description=description,
        seed=seed,
        max_chars=max_chars,
        train=train,
        held_out=held_out,
        checker=checker,
        format_check=format_check,
        sparse_reward_code=read_text_reward(f"{files}_sparse"),
        reference_reward_code=read_text_reward(f"{files}_reference"),
    )
