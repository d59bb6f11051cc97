"""The design loop end to end, on cartpole with small budgets, through the default sandbox.

That is docker where an engine answers (as in CI), else bwrap; on a machine with neither, outside CI,
the unisolated process backend, which these candidates cannot harm.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rewardsmith import design
from rewardsmith.agents.protocols import Agents
from rewardsmith.agents.types import Candidate, CriticVerdict, DesignRequest, Draft
from rewardsmith.loop.record import RunRecord
from rewardsmith.tasks import TaskSpec, load_task

CARTPOLE = load_task("cartpole").spec


def _loop_sandbox() -> str:
    from rewardsmith.sandbox import SandboxUnavailableError, choose_backend

    try:
        return choose_backend("auto").name
    except SandboxUnavailableError as error:
        if os.environ.get("CI", "").lower() == "true":
            raise
        print(f"no isolating sandbox here ({error}); the loop tests use --sandbox none")
        return "none"


# The gate's pool (one more training per run) is off here: these tests are about other nodes, and the
# pool's own loop tests (test_design_loop_gate.py, test_resume.py) run it.
SMALL = {
    "steps": 12_000,
    "final_seeds": 1,
    "job_timeout_s": 300,
    "verify_timeout_s": 12,
    "sandbox": _loop_sandbox(),
    "gate_pool": False,
}

PLANTED = {
    "good": CARTPOLE.reference_reward_code,
    "syntax_error": "def compute_reward(pole_angle):\n    return (pole_angle,\n",
    "unknown_variable": "import torch\ndef compute_reward(pole_tip_height):\n    return pole_tip_height, {}\n",
    "nan": (
        "import torch\ndef compute_reward(pole_angle):\n"
        "    value = torch.log(pole_angle)\n    return value, {'log_angle': value}\n"
    ),
    "infinite_loop": "import torch\ndef compute_reward(pole_angle):\n    while True:\n        pass\n",
    "huge_allocation": (
        "import torch\ndef compute_reward(pole_angle):\n"
        "    scratch = torch.empty(5 * 2**30)  # 20 GB\n    return pole_angle + scratch[0], {}\n"
    ),
    "abort": "import os\nimport torch\ndef compute_reward(pole_angle):\n    os.abort()\n",
    "network_egress": (
        "import socket\ndef compute_reward(pole_angle):\n"
        "    socket.create_connection(('127.0.0.1', 9), timeout=1)\n    return pole_angle, {}\n"
    ),
}
EXPECTED_REASON = {
    "syntax_error": "syntax_error",
    "unknown_variable": "unknown_state_variable",
    "nan": "non_finite",
    "infinite_loop": "timeout",
    "huge_allocation": "out_of_memory",
    "abort": "crashed",
    "network_egress": "runtime_error",
}


class PlantedDesigner:
    """Returns one planted candidate per sample index, in PLANTED's order."""

    name = "planted"

    def design(self, request: DesignRequest) -> list[Draft]:
        return [Draft(code=code, rationale=name, designer="planted") for name, code in PLANTED.items()]

    def repair(self, candidate: Candidate, verdict: CriticVerdict, request: DesignRequest) -> Draft | None:
        return None


class TrustingCritic:
    """Passes everything, so that every planted candidate reaches the sandbox."""

    def review(self, candidate: Candidate, task: TaskSpec) -> CriticVerdict:
        return CriticVerdict(candidate_id=candidate.id, passed=True, findings=[], critic="trusting")


def planted_names(record: RunRecord) -> dict[str, str]:
    return {record.candidate(s.id).rationale: s.id for s in record.statuses()}


def test_planted_bad_candidates_are_contained_with_typed_reasons(tmp_path: Path) -> None:
    agents = Agents(designer=PlantedDesigner(), critic=TrustingCritic())
    result = design("cartpole", agents=agents, out=tmp_path, iterations=1, samples=len(PLANTED), parallel=2, **SMALL)

    record = RunRecord.open(result.run_dir)
    ids = planted_names(record)
    for name, kind in EXPECTED_REASON.items():
        status = record.status(ids[name])
        assert (status.stage, status.stopped_at, status.reason_kind) == ("rejected", "verify", kind), name
        assert status.reason, name
    # The loop went on: the good candidate was trained, selected and retrained at the end.
    assert record.status(ids["good"]).stage == "trained"
    assert result.best_candidate_id == ids["good"]
    assert result.fitness is not None and result.rejected == len(EXPECTED_REASON)


def test_static_critic_stops_what_it_can_see_before_the_sandbox(tmp_path: Path) -> None:
    result = design(
        "cartpole",
        agents=Agents(designer=PlantedDesigner()),
        out=tmp_path,
        iterations=1,
        samples=len(PLANTED),
        **{**SMALL, "final_seeds": 0},
    )
    record = RunRecord.open(result.run_dir)
    ids = planted_names(record)
    for name in ("syntax_error", "infinite_loop", "abort", "unknown_variable"):
        assert record.status(ids[name]).stopped_at == "critic", name
    assert not record.exists(f"candidates/{ids['abort']}/verify.json")


def test_offline_run_writes_a_complete_record(tmp_path: Path) -> None:
    result = design("cartpole", out=tmp_path, iterations=2, samples=2, seed=1, **SMALL)

    run = result.run_dir
    for relative in (
        "config.json",
        "events.jsonl",
        "checkpoints.sqlite",
        "specs/v1.json",
        "summary.json",
        "report.html",
        "best_reward.py",
        "final/evaluation.json",
    ):
        assert (run / relative).exists(), relative
    record = RunRecord.open(run)
    statuses = record.statuses()
    assert [s.iteration for s in statuses] == [1, 1, 2, 2]
    assert all(s.designer == "rule-based" for s in statuses)
    for status in statuses:
        folder = run / "candidates" / status.id
        assert (folder / "reward.py").is_file() and (folder / "critic.json").is_file()
        if status.stage == "trained":
            assert (folder / "analysis.json").is_file()
            assert list((folder / "training" / "episodes").glob("*.npz"))
    assert [h.iteration for h in result.history] == [1, 2]
    assert result.designer == "rule-based (offline)"
    assert result.best_code is not None and "def compute_reward" in result.best_code
    assert result.reference_fitness is not None and result.sparse_fitness is not None
    events = [json.loads(line)["event"] for line in (run / "events.jsonl").read_text().splitlines()]
    assert events[0] == "run_started" and events[-1] == "finished"
    assert events.count("train_started") == events.count("train_finished") == 4
    assert "rule-based (offline)" in (run / "report.html").read_text()


def test_resume_of_a_finished_run_redoes_nothing(tmp_path: Path) -> None:
    from rewardsmith import resume

    # Without the final retraining (final_seeds 0), which the complete-record test above covers.
    result = design("cartpole", out=tmp_path, iterations=1, samples=1, **{**SMALL, "final_seeds": 0})
    assert result.best_candidate_id is not None and result.normalized_score is None
    assert "Not retrained on final seeds" in (result.run_dir / "report.html").read_text()
    before = (result.run_dir / "events.jsonl").read_text()
    again = resume(result.run_dir)
    assert again.best_candidate_id == result.best_candidate_id
    after = (result.run_dir / "events.jsonl").read_text()
    for event in ("train_started", "final_evaluated"):
        assert after.count(event) == before.count(event) == 1, event


@pytest.mark.parametrize("bad", [{"iterations": 0}, {"parallel": 0}, {"samples": 1000}])
def test_bad_config_is_rejected_before_a_run_dir_exists(tmp_path: Path, bad: dict[str, int]) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        design("cartpole", out=tmp_path, **bad)
    assert not any(tmp_path.iterdir())
