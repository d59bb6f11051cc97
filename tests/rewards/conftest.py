"""Fixtures shared by the reward tests: the cartpole task and a loader bound to a temporary directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rewardsmith.rewards import RewardFunction, load_reward
from rewardsmith.tasks import BatchedTask, load_task


@pytest.fixture(scope="session")
def cartpole() -> type[BatchedTask]:
    return load_task("cartpole")


@pytest.fixture
def load(cartpole: type[BatchedTask], tmp_path: Path) -> Callable[[str], RewardFunction]:
    """Load a response against cartpole's spec, writing modules under the test's own directory."""

    def _load(text: str) -> RewardFunction:
        return load_reward(text, cartpole.spec, tmp_path)

    return _load
