"""What a text designer reads off a task's examples: where the answer goes, what kind of answer it is, which
columns hold facts and limits, and whether steps can be checked.

Everything here comes from the request's examples (their forms, answers, columns and solutions), never from a
task's name, so a new task with the same kinds of structure gets the same kinds of terms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.text.task import TextExample

AnswerKind = Literal["number", "list", "text", "none"]
"""What the reference answers are: one number, a comma-separated list of numbers, free text, or absent."""

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_PLACEHOLDER = "{answer}"
#: An equation a step can be checked by: numbers and operators, '=', a number.
EQUATION = r"([-+]?\d+(?:\.\d+)?(?:\s*[-+×x*/÷−]\s*[-+]?\d+(?:\.\d+)?)+)\s*=\s*([-+]?\d+(?:\.\d+)?)"


class TaskShape(BaseModel):
    """The structure of a text task as its examples show it, which the reward code is rendered against."""

    model_config = ConfigDict(frozen=True)

    patterns: dict[str, str] = Field(
        description="Regex of the answer form by the selector column's value ('*' when one form serves all); its "
        "one group is the answer's content."
    )
    selector: str | None = Field(description="The string column whose value picks the form, where forms differ.")
    exact: bool = Field(description="The examples' solutions are the form and nothing else.")
    answer_kind: AnswerKind
    facts: str | None = Field(description="A column of strings a completion should mention, where answers are absent.")
    word_limit: str | None = Field(description="An integer column that limits a completion's words.")
    max_chars: int = Field(gt=0)
    checkable_steps: bool = Field(description="The solutions show steps with equations that can be checked.")


def form_pattern(form: str) -> str:
    """A regex of ``form`` whose one group is what stands for ``{answer}``; runs of spaces match any spacing.

    With nothing after the placeholder, the content runs to the end of its line, as a final answer line does.
    """
    prefix, _, suffix = form.partition(_PLACEHOLDER)

    def literal(text: str) -> str:
        return r"\s*".join(re.escape(part) for part in text.split())

    head = literal(prefix)
    if not suffix.strip():
        return head + r"[ \t]*([^\n]*)"
    return head + r"\s*(.*?)\s*" + literal(suffix)


def _observed_forms(example: TextExample) -> list[str]:
    """The example's form, then the same with its placeholder unquoted: a JSON form may quote a number that the
    solution writes bare."""
    form = example.form
    return [form, form.replace(f'"{_PLACEHOLDER}"', _PLACEHOLDER), form.replace(f"'{_PLACEHOLDER}'", _PLACEHOLDER)]


def _contents(pattern: str, text: str) -> list[str]:
    return [match.group(1).strip() for match in re.finditer(pattern, text, re.DOTALL)]


def _pattern_for(example: TextExample) -> str:
    """The first reading of the example's form under which its solution gives its answer; the form as written
    when none does (a task without answers)."""
    for form in _observed_forms(example):
        pattern = form_pattern(form)
        found = _contents(pattern, example.solution)
        if example.answer is not None and found and found[-1].rstrip(".") == example.answer:
            return pattern
    return form_pattern(example.form)


def answer_kind(answers: Sequence[str | None]) -> AnswerKind:
    present = [answer for answer in answers if answer is not None]
    if not present:
        return "none"
    if all(_NUMBER.fullmatch(answer.strip()) for answer in present):
        return "number"
    if all(all(_NUMBER.fullmatch(item.strip()) for item in answer.split(",")) for answer in present):
        return "list"
    return "text"


def _selector(examples: Sequence[TextExample], patterns: list[str]) -> str | None:
    """The string column whose value always comes with the same form, where the examples have several forms."""
    names = sorted({name for example in examples for name, value in example.info.items() if isinstance(value, str)})
    for name in names:
        chosen: dict[str, str] = {}
        if all(chosen.setdefault(str(e.info.get(name)), p) == p for e, p in zip(examples, patterns, strict=True)):
            return name
    return None


def _list_column(examples: Sequence[TextExample]) -> str | None:
    names = sorted({name for example in examples for name in example.info})
    for name in names:
        values = [example.info.get(name) for example in examples]
        if all(isinstance(value, list) and value and all(isinstance(v, str) for v in value) for value in values):
            return name
    return None


def _word_limit_column(examples: Sequence[TextExample]) -> str | None:
    names = sorted({name for example in examples for name in example.info if "word" in name.lower()})
    for name in names:
        values = [example.info.get(name) for example in examples]
        if all(isinstance(value, int) and not isinstance(value, bool) and value > 0 for value in values):
            return name
    return None


def _exact(examples: Sequence[TextExample], patterns: Sequence[str]) -> bool:
    return all(
        re.fullmatch(rf"\s*{pattern}\s*", example.solution, re.DOTALL) is not None
        for example, pattern in zip(examples, patterns, strict=True)
    )


def _checkable_steps(examples: Sequence[TextExample]) -> bool:
    return any(re.search(EQUATION, example.solution) for example in examples)


def task_shape(examples: Sequence[TextExample], max_chars: int) -> TaskShape:
    """The shape of a task from a few of its examples.

    Raises:
        ValueError: No examples, so there is nothing to read the task's structure from.
    """
    if not examples:
        raise ValueError("a text design request holds no examples; give the designer a few training prompts")
    patterns = [_pattern_for(example) for example in examples]
    kind = answer_kind([example.answer for example in examples])
    distinct = list(dict.fromkeys(patterns))
    selector = _selector(examples, patterns) if len(distinct) > 1 else None
    if selector is not None:
        by_value = {str(e.info.get(selector)): p for e, p in zip(examples, patterns, strict=True)}
    else:
        by_value = {"*": distinct[0]} if len(distinct) == 1 else {str(i): p for i, p in enumerate(distinct)}
    return TaskShape(
        patterns=by_value,
        selector=selector,
        exact=kind != "none" and _exact(examples, patterns),
        answer_kind=kind,
        facts=_list_column(examples) if kind == "none" else None,
        word_limit=_word_limit_column(examples),
        max_chars=max_chars,
        checkable_steps=kind != "none" and _checkable_steps(examples),
    )


def in_form_share(shape: TaskShape, completions: Sequence[str]) -> float | None:
    """Share of ``completions`` that give an answer in any of the task's forms; None without completions."""
    if not completions:
        return None
    patterns = list(shape.patterns.values())
    return sum(any(re.search(pattern, text, re.DOTALL) for pattern in patterns) for text in completions) / len(
        completions
    )


def overlong_share(shape: TaskShape, completions: Sequence[str]) -> float | None:
    """Share of ``completions`` longer than the task's character limit; None without completions."""
    if not completions:
        return None
    return sum(len(text) > shape.max_chars for text in completions) / len(completions)
