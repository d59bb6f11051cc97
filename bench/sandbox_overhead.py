"""What the sandbox costs, measured side by side in one run; writes its section of BENCHMARKS.md.

* Verify latency per candidate (the cartpole GOOD reward), median of ``--runs``: the same verification
  in this process, through a warm docker container, through a cold one (a container started for the
  job, torch imported in it), and through bwrap (a fresh process, torch imported in it). Also the bare
  start of each isolation around a trivial interpreter, which is what the cold figures pay before
  Python imports anything.
* Training throughput, median of ``--train-runs``: the same PPO run (cartpole, seed 0, 1 torch thread)
  in this process and inside a docker train container, as env-steps/s of the training loop and as
  end-to-end seconds.

Run it with nothing else on the machine: ``python bench/sandbox_overhead.py``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from markdown_table import write_section

from rewardsmith.rewards import load_reward, verify_reward
from rewardsmith.sandbox import Sandbox, SandboxJob, SandboxLimits, TrainJob, TrainOutput, VerifyJob, prepare_job
from rewardsmith.tasks import load_task
from rewardsmith.training import TrainConfig, train

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
START, END = "<!-- sandbox_overhead:start -->", "<!-- sandbox_overhead:end -->"
GOOD = """\
import torch

def compute_reward(pole_angle, cart_position):
    upright = -pole_angle.abs()
    centred = -0.1 * cart_position.abs()
    return 1.0 + upright + centred, {"upright": upright, "centred": centred}
"""
LIMITS = SandboxLimits(wall_time_s=600, threads=1)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def time_runs(runs: int, action: Callable[[int], object]) -> list[float]:
    samples = []
    for index in range(runs):
        started = time.perf_counter()
        action(index)
        samples.append(time.perf_counter() - started)
    return samples


def verify_in_process(scratch: Path) -> Callable[[int], object]:
    task_class = load_task("cartpole")

    def action(index: int) -> object:
        workdir = scratch / f"in-process-{index}"
        workdir.mkdir()
        result = verify_reward(load_reward(GOOD, task_class.spec, workdir), task_class)
        assert result.ok, result.error
        return result

    return action


def verify_in(sandbox: Sandbox, scratch: Path, label: str) -> Callable[[int], object]:
    def action(index: int) -> object:
        job = SandboxJob(id=f"{label}-{index}", job=VerifyJob(task="cartpole"), limits=LIMITS)
        job_dir = prepare_job(job, GOOD, scratch / label / str(index) / "job")
        result = sandbox.run(job, job_dir, scratch / label / str(index) / "out")
        assert result.ok, result.failure
        return result

    return action


def bare_starts(runs: int, image: str) -> dict[str, float]:
    """Median seconds to start a trivial interpreter plainly, under bwrap, and in a fresh container."""
    from rewardsmith.sandbox.bwrap import bare_command

    python = str(Path(sys.executable))
    commands = {
        "plain": [python, "-S", "-c", "pass"],
        "bwrap": [*bare_command(), python, "-S", "-c", "pass"],
        "docker": [
            *("docker", "run", "--rm", "--network", "none", "--read-only", "--user", "65534:65534"),
            *("--cap-drop", "ALL", "--security-opt", "no-new-privileges"),
            *(image, "/opt/venv/bin/python", "-S", "-c", "pass"),
        ],
    }
    return {
        name: statistics.median(time_runs(runs, lambda _, c=command: subprocess.run(c, check=True)))
        for name, command in commands.items()
    }


def training(sandbox: Sandbox, scratch: Path, runs: int, steps: int) -> dict[str, float]:
    config = TrainConfig(steps=steps, seed=0, device="cpu", record_episodes=0)
    task_class = load_task("cartpole")
    torch.set_num_threads(LIMITS.threads)
    loop: dict[str, list[float]] = {"in_process": [], "docker": []}
    wall: dict[str, list[float]] = {"in_process": [], "docker": []}
    for index in range(runs):
        workdir = scratch / f"train-in-process-{index}"
        workdir.mkdir(parents=True)
        started = time.perf_counter()
        result = train(task_class, load_reward(GOOD, task_class.spec, workdir), config, out_dir=workdir / "out")
        wall["in_process"].append(time.perf_counter() - started)
        loop["in_process"].append(result.env_steps_per_second)
        job = SandboxJob(id=f"train-{index}", job=TrainJob(task="cartpole", config=config), limits=LIMITS)
        job_dir = prepare_job(job, GOOD, scratch / f"train-docker-{index}" / "job")
        started = time.perf_counter()
        outcome = sandbox.run(job, job_dir, scratch / f"train-docker-{index}" / "out")
        wall["docker"].append(time.perf_counter() - started)
        trained = outcome.output_of(TrainOutput)
        assert outcome.ok and trained is not None, outcome.failure
        loop["docker"].append(trained.training.env_steps_per_second)
        print(
            f"train {index + 1}/{runs}: in-process {loop['in_process'][-1]:,.0f}/s, docker {loop['docker'][-1]:,.0f}/s"
        )
    return {
        **{f"loop_{name}": statistics.median(values) for name, values in loop.items()},
        **{f"wall_{name}": statistics.median(values) for name, values in wall.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="Verify jobs per setting (cold ones included).")
    parser.add_argument("--train-runs", type=int, default=30, help="Training runs per setting.")
    parser.add_argument("--train-steps", type=int, default=50_000, help="Env steps per training run.")
    args = parser.parse_args()

    from rewardsmith.sandbox.bwrap import BwrapSandbox
    from rewardsmith.sandbox.docker import DockerSandbox

    torch.set_num_threads(LIMITS.threads)
    with tempfile.TemporaryDirectory(prefix="rewardsmith-bench-") as scratch_name:
        scratch = Path(scratch_name)
        warm = DockerSandbox(pool_size=1, scratch_root=scratch / "warm-scratch")
        cold = DockerSandbox(pool_size=0, scratch_root=scratch / "cold-scratch")  # keeps no container
        bwrap = BwrapSandbox(scratch_root=scratch / "bwrap-scratch")
        try:
            verify_in(warm, scratch, "warm-up")(0)  # starts the warm container
            verify_ms = {
                "in_process": median_ms(time_runs(args.runs, verify_in_process(scratch))),
                "docker_warm": median_ms(time_runs(args.runs, verify_in(warm, scratch, "warm"))),
                "docker_cold": median_ms(time_runs(args.runs, verify_in(cold, scratch, "cold"))),
                "bwrap": median_ms(time_runs(args.runs, verify_in(bwrap, scratch, "bwrap"))),
            }
            print("verify ms:", verify_ms)
            starts = {name: value * 1000 for name, value in bare_starts(args.runs, warm.image).items()}
            print("bare starts ms:", starts)
            throughput = training(warm, scratch, args.train_runs, args.train_steps)
            print("training:", throughput)
        finally:
            warm.close()
            cold.close()

    ratio = throughput["loop_docker"] / throughput["loop_in_process"]
    lines = [
        "## Sandbox overhead (`bench/sandbox_overhead.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()} (2 cores, no GPU), "
        f"1 torch thread everywhere; medians of {args.runs} verify jobs and {args.train_runs} training runs per "
        "setting, each setting measured in the same run.",
        "",
        "Verify latency per candidate, from the host's call to its validated result (cartpole, 100 calls of a "
        "64-env reward):",
        "",
        "| where | ms | target | of which isolation start-up |",
        "|---|---|---|---|",
        f"| in this process, no sandbox | {verify_ms['in_process']:.0f} | | |",
        f"| docker, warm container (fork of a supervisor that has torch imported) | "
        f"**{verify_ms['docker_warm']:.0f}** | ≤ 80 | none: the container is running |",
        f"| docker, cold container (started for the job; torch imported in it) | "
        f"{verify_ms['docker_cold']:.0f} | ≤ 250 | {starts['docker']:.0f} to start a container and a bare "
        "interpreter |",
        f"| bwrap, fresh namespaces (torch imported in them) | {verify_ms['bwrap']:.0f} | ≤ 30 | "
        f"{starts['bwrap'] - starts['plain']:.0f} over a bare interpreter's {starts['plain']:.0f} |",
        "",
        "The cold docker and bwrap figures are dominated by importing torch in a new interpreter (seconds on "
        "this machine), which no isolation can skip; the isolation itself costs what the last column says. "
        "The design loop sends verification to warm containers, so the warm row is what a candidate costs.",
        "",
        f"Training throughput, cartpole PPO, {args.train_steps:,} env steps, seed 0:",
        "",
        "| where | env-steps/s (training loop) | end to end, s |",
        "|---|---|---|",
        f"| in this process | {throughput['loop_in_process']:,.0f} | {throughput['wall_in_process']:.1f} |",
        f"| docker train container | {throughput['loop_docker']:,.0f} | {throughput['wall_docker']:.1f} |",
        "",
        f"Inside the docker sandbox, training runs at **{ratio:.2f}×** the in-process rate (target ≥ 0.95×). "
        "End to end, a container adds its start and the imports of torch and skrl to every job. A ratio above "
        "1 is noise: the in-process runs share the benchmark's process with its Docker client's threads.",
    ]
    print(write_section(BENCHMARKS, START, END, lines))


if __name__ == "__main__":
    main()
