"""Statistics of completions: length, repeated n-grams, and form without correctness."""

from __future__ import annotations

from collections.abc import Sequence

from rewardsmith.text.task import TextExample, TextTask
from rewardsmith.text.training.result import CompletionStats


def repeated_ngram_share(text: str, n: int) -> float:
    """Share of the word n-grams of ``text`` that repeat an earlier one; 0 with fewer than two n-grams."""
    words = text.split()
    grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    if len(grams) < 2:
        return 0.0
    return 1.0 - len(set(grams)) / len(grams)


def completion_stats(
    task: TextTask,
    completions: Sequence[str],
    examples: Sequence[TextExample],
    *,
    ngram: int,
    tokens: Sequence[int] | None = None,
) -> CompletionStats:
    """The statistics of ``completions``, each written for the example at the same position."""
    count = len(completions)
    if count == 0:
        return CompletionStats(count=0, mean_chars=0.0, repeated_ngram_share=0.0)
    in_form = [task.format_met(c, e) for c, e in zip(completions, examples, strict=True)]
    without = None
    if task.format_check is not None:
        fitness = task.fitnesses(completions, examples)
        without = sum(bool(f) and fit < 1 for f, fit in zip(in_form, fitness, strict=True)) / count
    return CompletionStats(
        count=count,
        mean_chars=sum(map(len, completions)) / count,
        mean_tokens=sum(tokens) / len(tokens) if tokens else None,
        repeated_ngram_share=sum(repeated_ngram_share(c, ngram) for c in completions) / count,
        format_without_correct=without,
    )
