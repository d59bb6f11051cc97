"""Sandbox jobs as the design loop asks for them: where their directories go and which limits apply."""

from __future__ import annotations

import shutil
from pathlib import Path

from rewardsmith.config import DesignConfig
from rewardsmith.sandbox import SandboxJob, SandboxLimits, TrainJob, VerifyJob, prepare_job
from rewardsmith.training import TrainConfig


def _limits(config: DesignConfig, wall_time_s: float) -> SandboxLimits:
    overrides = {"memory_mb": config.memory_mb} if config.memory_mb is not None else {}
    return SandboxLimits(wall_time_s=wall_time_s, threads=config.threads, **overrides)


def _fresh(out_dir: Path) -> Path:
    # A job killed with its host may have left partial output; the rerun starts clean.
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    return out_dir


def verify_job(config: DesignConfig, candidate_id: str, candidate_dir: Path) -> tuple[SandboxJob, Path, Path]:
    """A verify job for the candidate whose code is ``candidate_dir/reward.py``."""
    job = SandboxJob(
        id=f"verify-{candidate_id}",
        job=VerifyJob(task=config.task, device=config.device if config.device != "auto" else "cpu"),
        limits=_limits(config, config.verify_timeout_s),
    )
    job_dir = prepare_job(job, (candidate_dir / "reward.py").read_text(), candidate_dir / "jobs" / "verify")
    return job, job_dir, _fresh(candidate_dir / "verify_out")


def train_job(config: DesignConfig, candidate_id: str, candidate_dir: Path) -> tuple[SandboxJob, Path, Path]:
    """A PPO job for the candidate whose code is ``candidate_dir/reward.py``; artefacts go to ``training/``."""
    job = SandboxJob(
        id=f"train-{candidate_id}",
        job=TrainJob(task=config.task, config=TrainConfig(steps=config.steps, seed=config.seed, device=config.device)),
        limits=_limits(config, config.job_timeout_s),
    )
    job_dir = prepare_job(job, (candidate_dir / "reward.py").read_text(), candidate_dir / "jobs" / "train")
    return job, job_dir, _fresh(candidate_dir / "training")


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
    return job, job_dir, _fresh(run_dir / "training")
