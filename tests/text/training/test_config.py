"""A GRPO run's settings: which steps are evaluated, and sizes that must fit together."""

from __future__ import annotations

import pytest

from rewardsmith.text.training import TextTaskRef, TextTrainConfig


def test_step_zero_every_interval_and_the_last_step_are_evaluated() -> None:
    assert TextTrainConfig(steps=25, eval_every=10).eval_steps() == [0, 10, 20, 25]
    assert TextTrainConfig(steps=1, eval_every=5).eval_steps() == [0, 1]


def test_a_batch_must_hold_whole_groups() -> None:
    with pytest.raises(ValueError, match="not a multiple of generations"):
        TextTrainConfig(batch_size=6, generations=4).checked()
    assert TextTrainConfig(batch_size=8, generations=4).checked().batch_size == 8


def test_a_task_reference_generates_its_task() -> None:
    task = TextTaskRef(name="sorting", seed=3, train_size=5, held_out_size=2).load()
    assert (task.name, task.seed, len(task.train), len(task.held_out)) == ("sorting", 3, 5, 2)
