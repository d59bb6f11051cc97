"""What a designer reads: the task's context, then the bounded transforms with their guarantees."""

from __future__ import annotations

import pytest

from rewardsmith.agents.context import designer_context
from rewardsmith.rewards.transforms import REWARD_TRANSFORMS
from rewardsmith.tasks import load_task, render_context, task_names


@pytest.mark.parametrize("name", task_names())
def test_the_designer_reads_the_task_context_first(name: str) -> None:
    assert designer_context(load_task(name)).startswith(render_context(load_task(name)))


@pytest.mark.parametrize("name", task_names())
def test_context_offers_the_bounded_transforms_with_their_guarantees(name: str) -> None:
    spec = load_task(name).spec
    context = designer_context(load_task(name))
    assert "from rewardsmith.rewards.transforms import <name>" in context
    for transform in REWARD_TRANSFORMS:
        lines = [line for line in context.splitlines() if line.startswith(f"# - {transform}(")]
        assert len(lines) == 1, transform
    assert "Guarantee" in context
    # potential_shaping is only policy-invariant under the learner's own discount.
    assert f"discount factor is {spec.ppo.discount_factor}" in context
    for variable in spec.state_variable_names:
        if variable.startswith("previous_"):
            assert variable in context.split("# Bounded transforms")[1]
