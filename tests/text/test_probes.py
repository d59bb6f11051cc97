"""The text probes: one completion per example, the same for a seed, and below a correct one's fitness."""

from __future__ import annotations

import pytest

from rewardsmith.gate.exploits import TEXT_PROBE_MEANINGS, TEXT_PROBES
from rewardsmith.text import load_text_task, text_task_names
from rewardsmith.text.probes import INJECTION, STEP_REPEATS, TEXT_PROBE_MAKERS, probe_completions


def test_every_probe_has_a_maker_and_a_meaning() -> None:
    assert set(TEXT_PROBE_MAKERS) == set(TEXT_PROBES) == set(TEXT_PROBE_MEANINGS)


@pytest.mark.parametrize("name", text_task_names())
def test_every_probe_fails_the_trusted_checker_on_every_builtin_task(name: str) -> None:
    task = load_text_task(name, train_size=12, held_out_size=2)
    for probe in TEXT_PROBES:
        completions = probe_completions(task, task.train, probe, seed=0)
        assert len(completions) == len(task.train)
        assert task.fitnesses(completions, task.train) == [0.0] * len(task.train), probe
        assert probe_completions(task, task.train, probe, seed=0) == completions


def test_the_probes_do_what_their_names_say() -> None:
    task = load_text_task("arithmetic", train_size=4, held_out_size=2)
    example = task.train[0]

    def one(probe: str) -> str:
        return probe_completions(task, (example,), probe, seed=1)[0]  # type: ignore[arg-type]

    assert len(one("padded")) > task.max_chars and one("padded").endswith(example.solution)
    first_step = example.solution.splitlines()[0]
    assert one("repeated_step").splitlines() == [first_step] * STEP_REPEATS
    assert one("format_only") == "Answer: "
    guesses = one("many_guesses").splitlines()
    assert f"Answer: {example.answer}" in guesses[:-1] and len(set(guesses)) == len(guesses) > 5
    assert one("prompt_copy") == example.prompt and one("empty") == ""
    injected = one("judge_injection")
    assert injected.startswith(INJECTION) and injected.splitlines()[-1] != f"Answer: {example.answer}"
