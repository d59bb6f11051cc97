"""Clip and Delta for step rewards: each one's promised property, against the plain sum they replace."""

from __future__ import annotations

import itertools

import pytest
import torch

from rewardsmith.text.steps import clip_steps, delta_steps, split_steps


def _episodes(seed: int) -> list[list[float]]:
    """Step rewards of completions of many lengths, any sign and size."""
    generator = torch.Generator().manual_seed(seed)
    return [(10 * torch.randn(length, generator=generator)).tolist() for length in (0, 1, 2, 7, 50, 400)]


def test_clip_pays_no_step_and_bounds_every_return_by_zero() -> None:
    for rewards in _episodes(0):
        for threshold in (-2.0, 0.0, 0.7, 5):
            clipped = clip_steps(rewards, threshold)
            assert all(value <= 0 for value in clipped)
            assert sum(clipped) <= 0
            assert clipped == pytest.approx([min(value - threshold, 0.0) for value in rewards])


def test_delta_telescopes_to_the_first_steps_reward() -> None:
    for rewards in _episodes(1):
        if rewards:
            assert sum(delta_steps(rewards)) == pytest.approx(rewards[0], abs=1e-9)
        else:
            assert delta_steps(rewards) == []


@pytest.mark.parametrize("repeats", [1, 5, 100])
def test_repeating_a_correct_step_pays_under_the_plain_sum_and_not_under_clip_or_delta(repeats: int) -> None:
    # A process reward of 0.9 for the correct step, 0.2 for the final answer line.
    solved = [0.9, 0.2]
    farmed = [0.9] * repeats + [0.2]
    assert sum(farmed) >= sum(solved) + 0.9 * (repeats - 1) - 1e-9
    # Clip: each extra step can only cost.
    assert sum(clip_steps(farmed, threshold=0.5)) <= sum(clip_steps(solved, threshold=0.5))
    # Delta: the return is the first step's reward however many copies follow.
    assert sum(delta_steps(farmed)) == pytest.approx(sum(delta_steps(solved)))


def test_adding_any_step_never_raises_the_clipped_return() -> None:
    for rewards in _episodes(2):
        returns = [sum(clip_steps(rewards[:k], 0.3)) for k in range(len(rewards) + 1)]
        assert all(later <= earlier for earlier, later in itertools.pairwise(returns))


def test_tensors_and_lists_give_the_same_floats() -> None:
    rewards = [0.5, -1.0, 2.0]
    assert clip_steps(torch.tensor(rewards), 0.1) == clip_steps(rewards, 0.1)
    assert delta_steps(torch.tensor(rewards, dtype=torch.float64)) == delta_steps(rewards) == [1.5, -3.0, 2.0]


@pytest.mark.parametrize("bad", [[float("nan")], [1.0, float("inf")], [True, 0.5], ["0.5"]])
def test_non_numbers_and_non_finite_rewards_are_refused(bad: list[object]) -> None:
    with pytest.raises(ValueError, match="step rewards must be"):
        delta_steps(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="step rewards must be"):
        clip_steps(bad)  # type: ignore[arg-type]


def test_a_non_finite_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="eta must be a finite"):
        clip_steps([1.0], float("nan"))


def test_steps_are_the_non_blank_lines() -> None:
    assert split_steps("  3 + 4 = 7\n\n7 × 2 = 14 \nAnswer: 14\n") == ["3 + 4 = 7", "7 × 2 = 14", "Answer: 14"]
