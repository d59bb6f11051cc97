"""The text gate: the built-in sparse and reference rewards pass; rewards that pay a probe are stopped, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.text import load_text_task, text_task_names
from rewardsmith.text.contract import load_text_reward
from rewardsmith.text.gate import text_gate


@pytest.mark.parametrize("name", text_task_names())
def test_the_sparse_and_reference_rewards_pass(name: str, tmp_path: Path) -> None:
    task = load_text_task(name, train_size=8, held_out_size=2)
    for code in (task.sparse_reward_code, task.reference_reward_code):
        assert code is not None
        result = text_gate(task, load_text_reward(code, tmp_path))
        assert result.passed, result.reason
        assert result.winner is None and result.correct_fitness == 1.0
        assert all(score.counts and not score.wins for score in result.probes)


def test_a_constant_reward_is_stopped_since_every_probe_is_paid_as_much(tmp_path: Path) -> None:
    task = load_text_task("sorting", train_size=8, held_out_size=2)
    constant = load_text_reward(
        "def compute_reward(prompts, completions, answers, **columns):\n    return [1.0] * len(completions), {}",
        tmp_path,
    )
    result = text_gate(task, constant)
    assert not result.passed and all(score.wins for score in result.probes)
    assert result.winner is not None and result.winner in result.reason


def test_the_probe_paid_most_above_competence_is_named(tmp_path: Path) -> None:
    task = load_text_task("arithmetic", train_size=8, held_out_size=2)
    # Pays length, and a refusal somewhat: padding wins by the most.
    code = (
        "def compute_reward(prompts, completions, answers, **columns):\n"
        "    return [len(c) / 100 + 2.0 * ('sorry' in c) for c in completions], {}\n"
    )
    result = text_gate(task, load_text_reward(code, tmp_path))
    assert not result.passed
    assert {score.probe for score in result.probes if score.wins} >= {"padded", "refusal", "prompt_copy"}
    assert result.winner == "padded"
    assert "pays for padding past the length limit" in result.reason
