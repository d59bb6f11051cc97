"""The offline loop on a user's task file lying directly in /tmp, through the Docker sandbox: the goal-reaching
example, whose state is raw positions and a target, designed for with ranking on the pool before RL."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from rewardsmith import design
from rewardsmith.agents import genome_from_code
from rewardsmith.loop.families.control import ranking_path
from rewardsmith.loop.ranking import RoundRanking
from rewardsmith.loop.record import RunRecord
from rewardsmith.loop.results import DesignResult
from tests.sandbox.backends import unavailable

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "goal_reach.py"


@pytest.fixture(scope="module")
def task_in_tmp() -> Iterator[str]:
    from rewardsmith.sandbox.docker import docker_unavailable_reason

    reason = docker_unavailable_reason()
    if reason is not None:
        unavailable(f"docker backend: {reason}")
    path = Path("/tmp") / f"rewardsmith_goal_reach_{uuid.uuid4().hex}.py"
    shutil.copy(EXAMPLE, path)
    yield f"{path}:GoalReach"
    path.unlink()


def test_a_task_file_in_tmp_is_designed_for_in_docker_ranking_drafts_before_rl(
    task_in_tmp: str, tmp_path: Path
) -> None:
    result = design(
        task_in_tmp,
        out=tmp_path,
        sandbox="docker",
        iterations=1,
        samples=1,
        rank=4,
        steps=12_000,
        final_seeds=0,
        job_timeout_s=300,
        verify_timeout_s=60,
    )
    assert isinstance(result, DesignResult)
    record = RunRecord.open(result.run_dir)
    assert (result.ranked, result.candidates) == (4, 1)
    ranking = record.read_json(ranking_path(1), RoundRanking)
    assert (ranking.ranked, ranking.kept, ranking.evidence) == (4, 1, "reference")
    assert ranking.pool_trajectories > 0 and sum(d.kept for d in ranking.drafts) == 1
    candidate = record.candidate("i01-c00")
    genome = genome_from_code(candidate.code)
    assert genome is not None and {"hand_distance", "hand_reached"} <= {t.name for t in genome.terms}
    assert "Ranked 1 of 4 on the gate's pool before training" in candidate.rationale
    events = [json.loads(line) for line in record.path("events.jsonl").read_text().splitlines()]
    # The task loaded in the containers: the pool's reference training and the candidate's verify job.
    assert [e["backend"] for e in events if e["event"] == "sandbox_selected"] == ["docker"]
    assert any(e["event"] == "pool_built" for e in events)
    assert [e["ok"] for e in events if e["event"] == "verified"] == [True]
    # At this budget the pool is thin: the gate may still turn the candidate away for its ranking measures.
    status = record.status("i01-c00")
    assert status.stage == "trained" or (status.stopped_at, status.reason_kind) == ("gate", "gate_ranking")
    assert [(e["ranked"], e["kept"]) for e in events if e["event"] == "ranked"] == [(4, 1)]
