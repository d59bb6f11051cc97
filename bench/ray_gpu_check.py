"""For a GPU machine: a 2-run batch on a one-machine Ray cluster whose training jobs ask for ``num_gpus=1``,
then cartpole PPO at 4096 envs as Ray tasks on ``cuda`` and on the CPU; writes its section of BENCHMARKS.md.

``python bench/ray_gpu_check.py`` (Ray starts its own cluster here, seeing the machine's GPUs). It checks
that the batch's training jobs trained on ``cuda``, and records the card, env-steps/s of the same
4096-env run on ``cuda`` and on the CPU, each sent through the Ray executor in the process sandbox,
and their ratio (medians of ``--repeats``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import torch
from markdown_table import write_section

from rewardsmith.batches import batch
from rewardsmith.executors import ExecutorOptions, JobRequest, open_executor
from rewardsmith.executors.packing import pack, unpack
from rewardsmith.loop.record import TRAIN, RunRecord
from rewardsmith.sandbox import SandboxJob, SandboxLimits, TrainJob, TrainOutput, prepare_job
from rewardsmith.tasks import load_task
from rewardsmith.training import TrainConfig

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
START, END = "<!-- ray_gpu_check:start -->", "<!-- ray_gpu_check:end -->"


def gpu_batch(out: Path) -> list[str]:
    """Run the 2-run batch; the device each training job trained on."""
    summary = batch(
        {
            "tasks": ["cartpole"],
            "seeds": [0, 1],
            "design": {"iterations": 1, "samples": 1, "llm": "offline", "final_seeds": 0, "device": "cuda"},
            "parallel": 2,
            "executor": "ray",
            "gpus_per_job": 1,
            "out": str(out),
        }
    )
    devices = []
    for run in summary.runs:
        if run.state != "finished" or run.run_dir is None:
            raise SystemExit(f"{run.key} did not finish: {run.error}")
        record = RunRecord(run.run_dir)
        for status in record.statuses():
            result = record.read(status.id, TRAIN)
            trained = result.output_of(TrainOutput) if result is not None else None
            if trained is not None:
                devices.append(trained.training.device)
    return devices


def throughput(device: str, num_envs: int, steps: int, repeats: int, scratch: Path) -> float:
    """Median env-steps/s of cartpole PPO with the reference reward, as Ray tasks asking for a GPU on ``cuda``."""
    task = load_task("cartpole")
    config = TrainConfig(seed=0, device=device, num_envs=num_envs, record_episodes=0).with_hints(task.spec.ppo)
    config = config.model_copy(update={"steps": steps, "num_envs": num_envs})
    executor = open_executor("ray", ExecutorOptions(parallel=1, retries=0))
    rates = []
    try:
        for i in range(repeats):
            job = SandboxJob(
                id=f"throughput-{device}-{i}",
                job=TrainJob(task="cartpole", config=config),
                limits=SandboxLimits(memory_mb=None, wall_time_s=900, threads=torch.get_num_threads()),
            )
            job_dir = prepare_job(job, task.spec.reference_reward_code, scratch / f"{device}-{i}" / "job")
            request = JobRequest(
                run="throughput",
                job=job,
                backend="none",
                files=pack(job_dir),
                num_cpus=1,
                num_gpus=1 if device == "cuda" else 0,
            )
            reply = executor.submit(request, threading.Event())
            unpack(reply.files, scratch / f"{device}-{i}" / "out")
            trained = reply.result.output_of(TrainOutput)
            if not reply.result.ok or trained is None:
                raise SystemExit(f"{device}: {reply.result.failure}")
            rates.append(trained.training.env_steps_per_second)
            print(f"  {device} run {i}: {rates[-1]:,.0f} env-steps/s", flush=True)
    finally:
        executor.close()
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-envs", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device visible to torch: run this on a GPU machine with a CUDA build of torch")
    card = torch.cuda.get_device_name(0)
    with tempfile.TemporaryDirectory(prefix="rewardsmith-ray-gpu-") as scratch_name:
        scratch = Path(scratch_name)
        devices = gpu_batch(scratch / "batches")
        if not devices or not all(device.startswith("cuda") for device in devices):
            raise SystemExit(f"the batch's training jobs trained on {devices}, not on cuda")
        gpu = throughput("cuda", args.num_envs, args.steps, args.repeats, scratch)
        cpu = throughput("cpu", args.num_envs, args.steps, args.repeats, scratch)
    lines = [
        "## Batch training jobs on a GPU through Ray (`bench/ray_gpu_check.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {card}, torch {torch.__version__}; Ray cluster started on the "
        "machine by the batch. A 2-run batch (cartpole × 2 seeds) with `gpus_per_job: 1` trained its "
        f"{len(devices)} training jobs on {', '.join(sorted(set(devices)))}.",
        "",
        f"Cartpole PPO, {args.num_envs} envs, {args.steps:,} steps, reference reward, each run a Ray task in the "
        f"process sandbox (medians of {args.repeats}):",
        "",
        "| device | env-steps/s |",
        "|---|---|",
        f"| cuda (num_gpus=1) | {gpu:,.0f} |",
        f"| cpu (num_gpus=0) | {cpu:,.0f} |",
        "",
        f"cuda / cpu: **{gpu / cpu:.1f}×**",
    ]
    print(write_section(BENCHMARKS, START, END, lines))


if __name__ == "__main__":
    main()
