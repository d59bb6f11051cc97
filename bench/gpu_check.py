"""Train cartpole on ``cuda`` (in this process, in the process sandbox, in docker where present) beside the CPU.

For a machine with a GPU: ``python bench/gpu_check.py``. It writes its section of BENCHMARKS.md. Each
ratio compares two runs of this one script on one machine: CUDA against CPU at the task's own
settings, then the sandboxed runner against this process at a GPU-sized batch. Where Docker (or the
NVIDIA container runtime) is missing, it records that instead of the docker row.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from markdown_table import write_section

from rewardsmith.rewards import load_reward
from rewardsmith.sandbox import SandboxJob, SandboxLimits, TrainJob, TrainOutput, prepare_job
from rewardsmith.sandbox.base import Sandbox
from rewardsmith.sandbox.factory import close_sandbox
from rewardsmith.tasks import load_task
from rewardsmith.training import TrainConfig, TrainingResult, train

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
START, END = "<!-- gpu_check:start -->", "<!-- gpu_check:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2_000_000, help="Env steps of the GPU-sized runs.")
    parser.add_argument("--num-envs", type=int, default=4096, help="Parallel envs of the GPU-sized runs.")
    parser.add_argument("--repeats", type=int, default=3, help="Runs per setting; the table quotes medians.")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device visible to torch: run this on a GPU machine with a CUDA build of torch")
    card = torch.cuda.get_device_name(0)
    task_class = load_task("cartpole")
    code = task_class.spec.reference_reward_code
    own = TrainConfig(seed=0, record_episodes=0).with_hints(task_class.spec.ppo)
    big = TrainConfig(steps=args.steps, num_envs=args.num_envs, seed=0, device="cuda", record_episodes=0)
    big = big.with_hints(task_class.spec.ppo).model_copy(update={"steps": args.steps, "num_envs": args.num_envs})
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        reward = load_reward(code, task_class.spec, scratch)

        def in_process(config: TrainConfig) -> Callable[[int], TrainingResult]:
            return lambda i: train(task_class, reward, config, out_dir=scratch / f"in-{config.device}-{i}")

        cpu = _median_of(args.repeats, in_process(own.model_copy(update={"device": "cpu"})))
        gpu = _median_of(args.repeats, in_process(own.model_copy(update={"device": "cuda"})))
        gpu_big = _median_of(args.repeats, in_process(big))
        process = _sandboxed(args.repeats, "process", big, code, scratch)
        docker = _sandboxed(args.repeats, "docker", big, code, scratch)
    rows = [
        _row(f"1. CPU, this process, {own.num_envs} envs", cpu, own.steps, None),
        _row(f"2. CUDA, this process, {own.num_envs} envs", gpu, own.steps, (cpu, "row 1")),
        _row(f"3. CUDA, this process, {big.num_envs} envs", gpu_big, big.steps, (cpu, "row 1")),
        _row(f"4. CUDA, process sandbox, {big.num_envs} envs", process, big.steps, (gpu_big, "row 3")),
        _row(f"5. CUDA, docker sandbox, {big.num_envs} envs", docker, big.steps, (gpu_big, "row 3")),
    ]
    lines = [
        "## Training on a GPU (`bench/gpu_check.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on **{card}** ({platform.python_version()}, torch "
        f"{torch.__version__}, {torch.get_num_threads()} CPU threads): cartpole PPO, reference reward, seed 0, "
        f"median of {args.repeats} runs per row. The ratio column compares each row with the row named in it, "
        "run side by side in the same invocation.",
        "",
        "| where | env steps | env-steps/s | ratio | seconds | fitness |",
        "|---|---|---|---|---|---|",
        *rows,
    ]
    print(write_section(BENCHMARKS, START, END, lines))


Measured = tuple[float, float, float] | str  # (env-steps/s, seconds, fitness) or why it did not run


def _median_of(repeats: int, run_once: Callable[[int], TrainingResult]) -> Measured:
    rates, seconds, fitness = [], [], []
    for i in range(repeats):
        started = time.perf_counter()
        result = run_once(i)
        seconds.append(time.perf_counter() - started)
        rates.append(result.env_steps_per_second)
        fitness.append(result.fitness)
        print(f"  run {i}: {rates[-1]:,.0f} env-steps/s, fitness {fitness[-1]:.1f}", flush=True)
    return statistics.median(rates), statistics.median(seconds), statistics.median(fitness)


def _sandboxed(repeats: int, backend: str, config: TrainConfig, code: str, scratch: Path) -> Measured:
    try:
        sandbox = _open(backend)
    except Exception as error:
        return f"not run: {str(error).splitlines()[0]}"
    try:

        def run_once(i: int) -> TrainingResult:
            job = SandboxJob(
                id=f"gpu-{backend}-{i}",
                job=TrainJob(task="cartpole", config=config),
                limits=SandboxLimits(memory_mb=None, wall_time_s=600, threads=torch.get_num_threads()),
            )
            root = scratch / f"{backend}-{i}"
            result = sandbox.run(job, prepare_job(job, code, root / "job"), root / "out")
            trained = result.output_of(TrainOutput)
            if not result.ok or trained is None:
                raise RuntimeError(result.failure.message.splitlines()[0] if result.failure else "no result")
            return trained.training

        return _median_of(repeats, run_once)
    except Exception as error:
        return f"failed: {str(error).splitlines()[0]}"
    finally:
        close_sandbox(sandbox)


def _open(backend: str) -> Sandbox:
    if backend == "process":
        from rewardsmith.sandbox.process import ProcessSandbox

        return ProcessSandbox()
    from rewardsmith.sandbox.docker import DockerSandbox

    return DockerSandbox(pool_size=0)


def _row(label: str, measured: Measured, steps: int | None, baseline: tuple[Measured, str] | None) -> str:
    if isinstance(measured, str):
        return f"| {label} | {steps:,} | {measured} | | | |"
    rate, seconds, fitness = measured
    ratio = "baseline"
    if baseline is not None and not isinstance(baseline[0], str):
        ratio = f"{rate / baseline[0][0]:.2f}× {baseline[1]}"
    return f"| {label} | {steps:,} | {rate:,.0f} | {ratio} | {seconds:.1f} | {fitness:.1f} |"


if __name__ == "__main__":
    main()
