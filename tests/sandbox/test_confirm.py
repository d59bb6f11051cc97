"""A train job's fitness is confirmed by re-evaluating its saved policy with no reward code loaded."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from rewardsmith.sandbox import ProcessSandbox, SandboxJob, SandboxLimits, SandboxResult, TrainJob, prepare_job
from rewardsmith.sandbox.confirm import confirm_fitness, run_confirmed
from rewardsmith.sandbox.outputs import TrainOutput
from rewardsmith.training import TrainConfig
from tests.sandbox import candidates as c

TINY = TrainConfig(
    steps=4096, num_envs=16, rollouts=16, checkpoints=2, eval_episodes=4, record_episodes=0, device="cpu"
)
JOB = SandboxJob(id="train-good", job=TrainJob(task="cartpole", config=TINY), limits=SandboxLimits(wall_time_s=300))


class _Marker:
    """Unpickling this runs a command: what a hostile policy file would carry."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return os.system, (f"touch {self.path}",)


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> tuple[SandboxResult, Path]:
    root = tmp_path_factory.mktemp("confirm")
    out_dir = root / "out"
    result = run_confirmed(ProcessSandbox(), JOB, prepare_job(JOB, c.GOOD, root / "job"), out_dir)
    return result, out_dir


def test_an_honest_fitness_is_confirmed(honest: tuple[SandboxResult, Path]) -> None:
    result, _ = honest
    assert result.ok, result.failure
    trained = result.output_of(TrainOutput)
    assert trained is not None
    assert result.confirmed_fitness == pytest.approx(trained.training.fitness, rel=1e-6)


def test_a_forged_fitness_is_rejected_with_both_numbers(honest: tuple[SandboxResult, Path], tmp_path: Path) -> None:
    result, out_dir = honest
    trained = result.output_of(TrainOutput)
    assert trained is not None
    forged_training = trained.training.model_copy(update={"fitness": 9999.0})
    forged = result.model_copy(update={"output": trained.model_copy(update={"training": forged_training})})
    checked = confirm_fitness(ProcessSandbox(), JOB, forged, tmp_path / "rescore", out_dir)
    assert not checked.ok and checked.failure is not None
    assert checked.failure.kind == "invalid_result"
    assert "reported fitness 9999" in checked.failure.message
    assert f"{trained.training.fitness:.6g}" in checked.failure.message


@pytest.mark.parametrize("content", ["garbage", "code"])
def test_a_bad_policy_file_is_rejected_and_never_executed(
    honest: tuple[SandboxResult, Path], tmp_path: Path, content: str
) -> None:
    result, _ = honest
    trained = result.output_of(TrainOutput)
    assert trained is not None and trained.training.policy_file is not None
    tampered = tmp_path / "out"
    tampered.mkdir()
    marker = tmp_path / "payload-ran"
    data = b"not a policy" if content == "garbage" else pickle.dumps({"policy.weight": _Marker(marker)})
    (tampered / trained.training.policy_file).write_bytes(data)
    checked = confirm_fitness(ProcessSandbox(), JOB, result, tmp_path / "rescore", tampered)
    assert not checked.ok and checked.failure is not None
    assert checked.failure.kind == "invalid_result"
    assert "could not be re-evaluated" in checked.failure.message
    assert not marker.exists(), "unpickling the policy file ran code"


def test_a_missing_policy_file_is_rejected(honest: tuple[SandboxResult, Path], tmp_path: Path) -> None:
    result, _ = honest
    checked = confirm_fitness(ProcessSandbox(), JOB, result, tmp_path / "rescore", tmp_path / "empty")
    assert not checked.ok and checked.failure is not None
    assert "missing" in checked.failure.message
