"""The gate's work inside the sandbox: pool scoring in verify jobs, rubric checks in confirming jobs."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.gate.pool import POOL_ARRAYS, load_pool, score_pool
from rewardsmith.gate.pool_builder import build_pool
from rewardsmith.rewards import load_reward
from rewardsmith.rewards.rubric import Criterion, Rubric
from rewardsmith.sandbox import ProcessSandbox, Sandbox, SandboxJob, SandboxLimits, TrainJob, VerifyJob, prepare_job
from rewardsmith.sandbox.confirm import Confirmation, rescore_dir_for, rescore_out_dir, run_confirmed
from rewardsmith.sandbox.factory import close_sandbox
from rewardsmith.sandbox.outputs import VerifyOutput
from rewardsmith.tasks import load_task
from rewardsmith.training import TrainConfig
from tests.sandbox import candidates as c
from tests.sandbox.backends import open_backend

BACKENDS = ["none", "docker", "bwrap"]
RAISES_ON_LONG_BATCHES = """\
def compute_reward(pole_angle):
    if pole_angle.shape[0] > 100:  # verify's batches are smaller; the pool's are not
        raise ValueError("planted failure")
    return -pole_angle.abs(), {}
"""


@pytest.fixture(scope="module")
def pool_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pool")
    build_pool(load_task("cartpole"), "cartpole", [], directory, seed=0)
    return directory


def _backend(name: str, scratch: Path) -> Sandbox:
    return ProcessSandbox(scratch_root=scratch) if name == "none" else open_backend(name, scratch)


def _verify(sandbox: Sandbox, code: str, pool_dir: Path, root: Path):
    job = SandboxJob(id="verify-pool", job=VerifyJob(task="cartpole", pool_file=POOL_ARRAYS))
    job_dir = prepare_job(job, code, root / "job")
    (job_dir / POOL_ARRAYS).write_bytes((pool_dir / POOL_ARRAYS).read_bytes())
    (job_dir / POOL_ARRAYS).chmod(0o644)
    return sandbox.run(job, job_dir, root / "out")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_verify_job_scores_the_pool_as_the_host_would(backend: str, pool_dir: Path, tmp_path: Path) -> None:
    sandbox = _backend(backend, tmp_path / "scratch")
    try:
        result = _verify(sandbox, c.GOOD, pool_dir, tmp_path)
        broken = _verify(sandbox, RAISES_ON_LONG_BATCHES, pool_dir, tmp_path / "broken")
    finally:
        close_sandbox(sandbox)
    assert result.ok, result.failure
    verified = result.output_of(VerifyOutput)
    assert verified is not None and verified.pool_scores is not None
    task_class = load_task("cartpole")
    _, arrays = load_pool(pool_dir)
    expected = score_pool(load_reward(c.GOOD, task_class.spec, tmp_path), task_class, arrays, "cpu")
    assert verified.pool_scores.returns == pytest.approx(expected.returns, rel=1e-5)
    assert set(verified.pool_scores.components) == {"alive", "upright", "centred"}
    # A reward that passes verification but breaks on the pool's states fails the job, typed and located.
    assert not broken.ok and broken.failure is not None
    assert broken.failure.kind == "runtime_error"
    assert "gate's recorded trajectories" in broken.failure.message and "planted failure" in broken.failure.message


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_confirming_job_records_episodes_and_runs_the_rubric(backend: str, tmp_path: Path) -> None:
    config = TrainConfig(steps=4096, num_envs=16, rollouts=16, checkpoints=2, eval_episodes=4, device="cpu")
    job = SandboxJob(id="train-rubric", job=TrainJob(task="cartpole", config=config), limits=SandboxLimits())
    rubric = Rubric(
        version=1,
        author="test",
        reason="test",
        criteria=[
            Criterion(id="lasts", text="episodes last", weight=1.0, check="length >= 1"),
            Criterion(id="never", text="impossible", weight=1.0, check="length > 100000"),
        ],
    )
    sandbox = _backend(backend, tmp_path / "scratch")
    job_dir = prepare_job(job, c.GOOD, tmp_path / "job")
    try:
        result = run_confirmed(sandbox, job, job_dir, tmp_path / "out", check=Confirmation(record=3, rubric=rubric))
    finally:
        close_sandbox(sandbox)
    assert result.ok, result.failure
    confirmation = result.confirmation
    assert confirmation is not None and confirmation.episode_file is not None
    assert (rescore_out_dir(rescore_dir_for(job_dir)) / confirmation.episode_file).is_file()
    verdicts = {r.criterion_id: r.passed for r in confirmation.rubric_results}
    assert verdicts == {"lasts": True, "never": False}
