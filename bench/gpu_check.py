"""Train cartpole on ``cuda``, in this process and in the docker sandbox, and record the card and the throughput.

For a machine with a GPU: ``python bench/gpu_check.py``. It writes its section of BENCHMARKS.md. Where
Docker (or the NVIDIA container runtime) is missing, it records that instead of the docker row.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
from markdown_table import write_section

from rewardsmith.rewards import load_reward
from rewardsmith.sandbox import SandboxJob, SandboxLimits, TrainJob, prepare_job
from rewardsmith.tasks import load_task
from rewardsmith.training import TrainConfig, train

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
START, END = "<!-- gpu_check:start -->", "<!-- gpu_check:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200_000, help="Env steps per run.")
    parser.add_argument("--num-envs", type=int, default=4096, help="Parallel envs on the GPU.")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device visible to torch: run this on a GPU machine with a CUDA build of torch")
    card = torch.cuda.get_device_name(0)
    task_class = load_task("cartpole")
    config = TrainConfig(steps=args.steps, num_envs=args.num_envs, seed=0, device="cuda", record_episodes=0)
    rows = []
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        reward = load_reward(task_class.spec.reference_reward_code, task_class.spec, scratch)
        started = time.perf_counter()
        result = train(task_class, reward, config, out_dir=scratch / "in-process")
        rows.append(
            f"| in this process | {result.env_steps_per_second:,.0f} | {time.perf_counter() - started:.1f} | "
            f"{result.fitness:.1f} |"
        )
        rows.append(_docker_row(config, scratch, task_class.spec.reference_reward_code))
    lines = [
        "## Training on a GPU (`bench/gpu_check.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on **{card}**, torch {torch.__version__}: cartpole PPO, reference "
        f"reward, {args.num_envs} envs, {args.steps:,} env steps, seed 0.",
        "",
        "| where | env-steps/s | seconds | fitness |",
        "|---|---|---|---|",
        *rows,
    ]
    print(write_section(BENCHMARKS, START, END, lines))


def _docker_row(config: TrainConfig, scratch: Path, code: str) -> str:
    from rewardsmith.sandbox.docker import DockerSandbox, DockerUnavailableError
    from rewardsmith.sandbox.image import ImageBuildError

    try:
        sandbox = DockerSandbox(pool_size=0)
    except (DockerUnavailableError, ImageBuildError) as error:
        return f"| docker sandbox | not run: {error} | | |"
    try:
        job = SandboxJob(id="gpu", job=TrainJob(task="cartpole", config=config), limits=SandboxLimits(memory_mb=None))
        started = time.perf_counter()
        result = sandbox.run(job, prepare_job(job, code, scratch / "docker" / "job"), scratch / "docker" / "out")
    finally:
        sandbox.close()
    if not result.ok or result.training is None:
        reason = result.failure.message.splitlines()[0] if result.failure else "no result"
        return f"| docker sandbox | failed: {reason} | | |"
    seconds = time.perf_counter() - started
    training = result.training
    return f"| docker sandbox | {training.env_steps_per_second:,.0f} | {seconds:.1f} | {training.fitness:.1f} |"


if __name__ == "__main__":
    main()
