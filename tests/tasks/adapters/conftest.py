"""Each test starts with no live simulator: Isaac Lab's fake keeps one context per process, as Isaac Sim does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rewardsmith.tasks import instances
from tests.tasks.adapters.fake_isaaclab.sim import SimulationContext


@pytest.fixture(autouse=True)
def no_live_simulator() -> Iterator[None]:
    SimulationContext.clear_instance()
    instances._SHARED.clear()
    yield
    SimulationContext.clear_instance()
    instances._SHARED.clear()
