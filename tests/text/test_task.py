"""The built-in text tasks: deterministic data, disjoint splits, and a trusted checker the rewards agree with."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.text import TextTaskError, load_text_task, text_task_names
from rewardsmith.text.contract import load_text_reward
from rewardsmith.text.task import TextExample, TextTask

SIZE = 24


@pytest.fixture(scope="module", params=text_task_names())
def task(request: pytest.FixtureRequest) -> TextTask:
    return load_text_task(request.param, seed=3, train_size=SIZE, held_out_size=SIZE)


def _wrong(task: TextTask, example: TextExample) -> list[str]:
    """Completions the checker must fail: no answer, the prompt back, an answer past the length limit."""
    return ["", example.prompt, example.solution + " " + "and so on " * task.max_chars]


def test_the_five_tasks_are_registered() -> None:
    assert set(text_task_names()) == {"arithmetic", "sorting", "counting", "formatting", "summary"}


def test_the_same_seed_gives_the_same_examples_and_another_seed_others(task: TextTask) -> None:
    again = load_text_task(task.name, seed=3, train_size=SIZE, held_out_size=SIZE)
    other = load_text_task(task.name, seed=4, train_size=SIZE, held_out_size=SIZE)
    assert again.train == task.train and again.held_out == task.held_out
    assert other.train != task.train


def test_no_prompt_is_in_both_splits(task: TextTask) -> None:
    train = {example.prompt for example in task.train}
    assert len(train) == SIZE
    assert not train & {example.prompt for example in task.held_out}


def test_every_solution_passes_the_checker_and_wrong_completions_fail(task: TextTask) -> None:
    for example in (*task.train, *task.held_out):
        assert task.fitness(example.solution, example) == 1.0
        assert len(example.solution) <= task.max_chars
        assert [task.fitness(wrong, example) for wrong in _wrong(task, example)] == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("which", ["sparse", "reference"])
def test_the_sparse_and_reference_rewards_rank_as_the_checker_does(task: TextTask, which: str, tmp_path: Path) -> None:
    code = task.sparse_reward_code if which == "sparse" else task.reference_reward_code
    assert code is not None
    reward = load_text_reward(code, tmp_path)
    examples = [example for example in task.train for _ in range(4)]
    completions = [text for example in task.train for text in (example.solution, *_wrong(task, example))]
    output = reward([e.prompt for e in examples], completions, [e.answer for e in examples], task.columns(examples))
    fitness = task.fitnesses(completions, examples)
    if which == "sparse":
        # The sparse reward is the bare check on the training split.
        assert output.rewards == fitness
    else:
        # The reference pays each correct completion more than every incorrect one.
        paid_correct = [r for r, f in zip(output.rewards, fitness, strict=True) if f == 1.0]
        paid_wrong = [r for r, f in zip(output.rewards, fitness, strict=True) if f == 0.0]
        assert min(paid_correct) > max(paid_wrong)


def test_arithmetic_fails_a_wrong_number_and_a_list_of_guesses() -> None:
    task = load_text_task("arithmetic", train_size=4, held_out_size=4)
    example = task.train[0]
    answer = int(example.answer or "0")
    assert task.fitness(f"Answer: {answer + 1}", example) == 0.0
    assert task.fitness(f"Answer: {answer - 1}, {answer}, {answer + 1}", example) == 0.0
    assert task.fitness(f"Answer: {answer}", example) == 1.0


def test_the_summary_checker_pays_the_share_of_facts_within_the_word_limit() -> None:
    task = load_text_task("summary", train_size=4, held_out_size=4)
    example = task.train[0]
    company, city, year = example.info["facts"]  # type: ignore[misc]
    assert task.fitness(f"{company} is based in {city}.", example) == pytest.approx(2 / 3)
    assert task.fitness(f"{company} {city} {year} " + "word " * 40, example) == 0.0


def test_the_designer_context_shows_prompts_but_no_solution_or_answer() -> None:
    task = load_text_task("sorting", train_size=4, held_out_size=4)
    context = task.designer_context()
    assert task.train[0].prompt in context and "max_chars" in context
    assert all(example.solution not in context for example in task.train)
    assert all(example.answer not in context.split("Prompt 1:")[0] for example in task.train[:3])
    with_policy = task.designer_context(count=2, completions=["Answer: 1, 2", "I am not sure."])
    assert "The current policy answered:\nAnswer: 1, 2" in with_policy and "I am not sure." in with_policy
    assert task.train[2].prompt not in with_policy


def test_an_unknown_task_or_impossible_sizes_are_one_line_errors() -> None:
    with pytest.raises(TextTaskError, match="unknown text task 'algebra': use one of arithmetic"):
        load_text_task("algebra")
    with pytest.raises(TextTaskError, match="split sizes must be positive"):
        load_text_task("sorting", train_size=0)
    with pytest.raises(TextTaskError, match="distinct prompts could be drawn"):
        load_text_task("counting", train_size=5000, held_out_size=5000)
