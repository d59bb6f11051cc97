"""A small finished run to report on: cartpole, seeded with the planted effort hack of bench/hack_set, so
that the gate has something to stop; two rounds, so that round 2 has parents in round 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith import design
from rewardsmith.loop.record import RunRecord

HACK = Path(__file__).resolve().parents[3] / "bench" / "hack_set" / "cartpole_effort_hack.py"


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> RunRecord:
    # Imported here, not at the top: the root conftest imports this module, and the loop tests' settings
    # choose a sandbox when imported, which under CI=true without engines must fail those tests, not
    # every test session's start.
    from tests.loop.test_design_loop import SMALL

    out = tmp_path_factory.mktemp("runs")
    settings = {**SMALL, "gate_pool": True, "steps": 16_000}
    result = design("cartpole", iterations=2, samples=2, parallel=2, out=out, seed_reward=HACK, **settings)
    return RunRecord.open(result.run_dir)
