"""Run a benchmark cell by cell; every training and design run is kept on disk, so a rerun resumes."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rewardsmith.api import design, resume
from rewardsmith.bench.config import BenchConfig, BenchMethod
from rewardsmith.bench.results import BenchCell, BenchResult
from rewardsmith.llm import CallLog, LLMUsage
from rewardsmith.loop.families.control import trained_by_ppo
from rewardsmith.loop.final_eval import FINAL_SEED_BASE, reward_scores
from rewardsmith.loop.jobs import final_train_job
from rewardsmith.loop.record import RunRecord
from rewardsmith.loop.report.tensorboard import FOLDER as TENSORBOARD
from rewardsmith.loop.report.tensorboard import write_training
from rewardsmith.loop.results import DesignResult, format_score
from rewardsmith.sandbox import Sandbox, SandboxResult, TrainOutput, choose_backend
from rewardsmith.sandbox.confirm import run_confirmed
from rewardsmith.sandbox.factory import close_sandbox, open_sandbox
from rewardsmith.tasks import load_task

BENCH_JSON = "bench.json"
RESULT = "result.json"


class BenchRunError(ValueError):
    """A design run of the benchmark did not finish; the message says what to do."""


def bench_seeds(config: BenchConfig) -> list[int]:
    """The seeds every reward is trained on: apart from the design runs' own seed, as the final evaluation's."""
    return [FINAL_SEED_BASE + index for index in range(config.seeds)]


def run_bench(config: BenchConfig, say: Callable[[str], None]) -> BenchResult:
    """Every method on every task; ``bench.json`` is rewritten after each cell. Finished work is reused.

    Raises:
        BenchRunError: ``out`` holds a benchmark with another budget, whose trainings cannot be reused.
    """
    check_budget(config)
    config.out.mkdir(parents=True, exist_ok=True)
    sandbox = open_sandbox(choose_backend(config.sandbox), pool_size=config.parallel, say=say)
    result = BenchResult(config=config, cells=[])
    try:
        for task in config.tasks:
            for method in config.methods:
                cell = _cell(config, task, method, sandbox)
                say(
                    f"{task} {method}: fitness {format_score(cell.scores.mean)} "
                    f"over {len(cell.scores.fitness)} seeds, {cell.rl_runs} RL runs"
                )
                result = BenchResult(config=config, cells=[*result.cells, cell]).normalized()
                write_whole(config.out / BENCH_JSON, result.model_dump_json(indent=2))
    except KeyboardInterrupt:
        sandbox.stop()
        raise
    finally:
        close_sandbox(sandbox)
    return result


def check_budget(config: BenchConfig) -> None:
    """Refuse to resume a benchmark whose trainings had another budget: its cells would not compare."""
    path = config.out / BENCH_JSON
    if not path.is_file():
        return
    try:
        earlier = BenchResult.model_validate_json(path.read_bytes()).config
    except ValueError:
        raise BenchRunError(f"{path} is damaged; delete it, and bench rebuilds it from the trainings kept") from None
    budget = {"steps", "iterations", "samples", "llm", "device"}
    changed = sorted(f for f in budget if getattr(earlier, f) != getattr(config, f))
    if changed:
        said = ", ".join(f"--{f} {getattr(earlier, f)}" for f in changed)
        raise BenchRunError(
            f"{config.out} holds a benchmark run with {said}; pass the same to resume it, or another --out"
        )


def write_whole(path: Path, text: str) -> None:
    """Write whole or not at all: a benchmark cut off mid-write keeps its last complete file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    temporary.replace(path)


def _cell(config: BenchConfig, task: str, method: BenchMethod, sandbox: Sandbox) -> BenchCell:
    folder = config.out / task / method
    spec = load_task(task).spec
    if method in ("sparse", "reference"):
        code = spec.sparse_reward_code if method == "sparse" else spec.reference_reward_code
        trainings = _train_seeds(config, task, code, folder, sandbox)
        return BenchCell(
            task=task,
            method=method,
            scores=reward_scores(method, trainings, trained_by_ppo),
            rl_runs=len(trainings),
            wall_time_s=sum(r.wall_time_s for _, r in trainings if r is not None),
        )
    record, summary = _design_run(config, task, method, folder / "design")
    if summary.best_candidate_id is None:
        trainings = []
        scores = reward_scores(method, [(seed, None) for seed in bench_seeds(config)], trained_by_ppo)
    else:
        trainings = _train_seeds(config, task, record.candidate(summary.best_candidate_id).code, folder, sandbox)
        scores = reward_scores(method, trainings, trained_by_ppo)
    return BenchCell(
        task=task,
        method=method,
        scores=scores,
        rl_runs=record.rl_runs(record.final_evaluation()) + len(trainings),
        wall_time_s=(record.wall_time_s() or 0.0) + sum(r.wall_time_s for _, r in trainings if r is not None),
        tokens=LLMUsage.of(CallLog.read(record.dir)).total.total_tokens,
        run_dir=record.dir,
        best_id=summary.best_candidate_id,
    )


def _design_run(config: BenchConfig, task: str, method: BenchMethod, out: Path) -> tuple[RunRecord, DesignResult]:
    """The method's design run: finished, resumed, or started."""
    runs = sorted(d for d in out.iterdir() if (d / RunRecord.CONFIG).is_file()) if out.is_dir() else []
    if runs:
        record = RunRecord.open(runs[-1])
        finished = record.summary() or resume(record.dir)
    else:
        llm = config.llm if method == "llm" else "offline"
        settings = config.design_config(task, out, llm=llm).model_dump(exclude={"task"})
        finished = design(task, **settings)
    if not isinstance(finished, DesignResult):
        raise BenchRunError(f"the design run {finished.run_dir} paused for review; resume it, then run bench again")
    return RunRecord.open(finished.run_dir), finished


def _train_seeds(
    config: BenchConfig, task: str, code: str, folder: Path, sandbox: Sandbox
) -> list[tuple[int, SandboxResult | None]]:
    """Train ``code`` on every seed, in parallel, reusing each seed's result already on disk."""
    design_config = config.design_config(task, config.out)

    def train(seed: int) -> tuple[int, SandboxResult | None]:
        seed_dir = folder / f"seed-{seed}"
        if (seed_dir / RESULT).is_file():
            result = SandboxResult.model_validate_json((seed_dir / RESULT).read_bytes())
        else:
            job, job_dir, out_dir = final_train_job(design_config, f"{task}-{seed}", seed_dir, seed, code)
            result = run_confirmed(sandbox, job, job_dir, out_dir)
            write_whole(seed_dir / RESULT, result.model_dump_json(indent=2))
        trained = result.output_of(TrainOutput)
        if trained is not None and not (seed_dir / TENSORBOARD).exists():
            write_training(seed_dir / TENSORBOARD, trained.training)
        return seed, result

    with ThreadPoolExecutor(config.parallel) as pool:
        return list(pool.map(train, bench_seeds(config)))
