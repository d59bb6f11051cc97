"""The statistics a learning curve records: repeated n-grams, length, and form without correctness."""

from __future__ import annotations

import pytest

from rewardsmith.text import load_text_task
from rewardsmith.text.training.stats import completion_stats, repeated_ngram_share


def test_repeated_ngram_share_counts_repeats_within_a_completion() -> None:
    assert repeated_ngram_share("a b c d", 2) == 0.0
    # "a b" four times: 7 bigrams, 2 distinct ("a b", "b a").
    assert repeated_ngram_share("a b a b a b a b", 2) == pytest.approx(1 - 2 / 7)
    assert repeated_ngram_share("one", 3) == 0.0


def test_form_without_correctness_is_counted_where_the_task_has_a_form() -> None:
    task = load_text_task("formatting", train_size=4, held_out_size=1)
    examples = list(task.train[:3])
    assert examples[0].answer is not None
    wrong = examples[0].solution.replace(examples[0].answer, str(int(examples[0].answer) + 1))
    completions = [wrong, examples[1].solution, "I think it is 12"]
    stats = completion_stats(task, completions, examples, ngram=3, tokens=[5, 6, 7])
    assert stats.count == 3
    # In form and wrong: the first; in form and right: the second; out of form: the third.
    assert stats.format_without_correct == pytest.approx(1 / 3)
    assert stats.mean_tokens == 6
    assert stats.mean_chars == pytest.approx(sum(map(len, completions)) / 3)


def test_a_task_without_a_form_reports_none() -> None:
    task = load_text_task("summary", train_size=2, held_out_size=1)
    stats = completion_stats(task, ["anything"], task.train[:1], ngram=3)
    assert stats.format_without_correct is None
    assert task.format_met("anything", task.train[0]) is None


@pytest.mark.parametrize("name", ["arithmetic", "counting", "sorting", "formatting"])
def test_every_solution_is_in_form_and_an_empty_answer_is_not(name: str) -> None:
    task = load_text_task(name, train_size=4, held_out_size=1)
    assert all(task.format_met(example.solution, example) for example in task.train)
    assert not any(task.format_met("", example) for example in task.train)
