"""Sandbox jobs as the design loop asks for them: where their directories go and which limits apply."""

from __future__ import annotations

import shutil
from pathlib import Path

from rewardsmith.config import DesignConfig
from rewardsmith.gate.pool import POOL_ARRAYS
from rewardsmith.sandbox import SandboxJob, SandboxLimits, TrainJob, VerifyJob, prepare_job
from rewardsmith.training import TrainConfig


def _limits(config: DesignConfig, wall_time_s: float) -> SandboxLimits:
    overrides = {"memory_mb": config.memory_mb} if config.memory_mb is not None else {}
    return SandboxLimits(wall_time_s=wall_time_s, threads=config.threads, **overrides)


def fresh_out_dir(out_dir: Path) -> Path:
    # A job killed with its host may have left partial output; the rerun starts clean.
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    return out_dir


def verify_job(
    config: DesignConfig, candidate_id: str, candidate_dir: Path, pool_arrays: Path | None = None
) -> tuple[SandboxJob, Path, Path]:
    """A verify job for the candidate whose code is ``candidate_dir/reward.py``.

    With ``pool_arrays`` (a pool's ``pool.npz``) the job also scores the candidate on the pool's
    trajectories; the file is copied into the job dir, the only place a job reads from.
    """
    job = SandboxJob(
        id=f"verify-{candidate_id}",
        job=VerifyJob(
            task=config.task,
            device=config.device if config.device != "auto" else "cpu",
            pool_file=POOL_ARRAYS if pool_arrays is not None else None,
        ),
        limits=_limits(config, config.verify_timeout_s),
    )
    job_dir = prepare_job(job, (candidate_dir / "reward.py").read_text(), candidate_dir / "jobs" / "verify")
    if pool_arrays is not None:
        shutil.copyfile(pool_arrays, job_dir / POOL_ARRAYS)
        (job_dir / POOL_ARRAYS).chmod(0o644)
    return job, job_dir, fresh_out_dir(candidate_dir / "verify_out")


#: Episodes recorded per checkpoint of the pool's reference run: ten checkpoints give the pool
#: forty reference trajectories, from the first clumsy policy to the trained one.
POOL_REFERENCE_EPISODES = 4


def pool_reference_job(config: DesignConfig, pool_dir: Path, reward_code: str) -> tuple[SandboxJob, Path, Path]:
    """The reference-reward training whose recorded episodes seed the gate's trajectory pool."""
    job = SandboxJob(
        id="pool-reference",
        job=TrainJob(
            task=config.task,
            config=TrainConfig(
                steps=config.steps, seed=config.seed, device=config.device, record_episodes=POOL_REFERENCE_EPISODES
            ),
        ),
        limits=_limits(config, config.job_timeout_s),
    )
    job_dir = prepare_job(job, reward_code, pool_dir / "reference_job")
    return job, job_dir, fresh_out_dir(pool_dir / "reference")


def train_job_dir(candidate_dir: Path) -> Path:
    """Where a candidate's train job is prepared (its confirming job goes beside it)."""
    return candidate_dir / "jobs" / "train"


def train_job(config: DesignConfig, candidate_id: str, candidate_dir: Path) -> tuple[SandboxJob, Path, Path]:
    """A PPO job for the candidate whose code is ``candidate_dir/reward.py``; artefacts go to ``training/``."""
    job = SandboxJob(
        id=f"train-{candidate_id}",
        job=TrainJob(task=config.task, config=TrainConfig(steps=config.steps, seed=config.seed, device=config.device)),
        limits=_limits(config, config.job_timeout_s),
    )
    job_dir = prepare_job(job, (candidate_dir / "reward.py").read_text(), train_job_dir(candidate_dir))
    return job, job_dir, fresh_out_dir(candidate_dir / "training")


def final_train_job(
    config: DesignConfig, name: str, run_dir: Path, seed: int, reward_code: str
) -> tuple[SandboxJob, Path, Path]:
    """A PPO job of the final evaluation: one reward on one seed, in ``run_dir``."""
    job = SandboxJob(
        id=f"final-{name}",
        job=TrainJob(
            task=config.task,
            config=TrainConfig(steps=config.steps, seed=seed, device=config.device, record_episodes=0),
        ),
        limits=_limits(config, config.job_timeout_s),
    )
    job_dir = prepare_job(job, reward_code, run_dir / "job")
    return job, job_dir, fresh_out_dir(run_dir / "training")
