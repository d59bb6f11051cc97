"""``rewardsmith train``: PPO on one reward, which goes through the critic and runs in the sandbox."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rewardsmith.agents.critic.static import StaticCritic
from rewardsmith.agents.types import Candidate, Draft
from rewardsmith.cli.common import UserError, check_writable, console, errors, fail, print_path, validation_message
from rewardsmith.cli.interrupts import EXIT_STATUS, leave, stops_cleanly
from rewardsmith.cli.options import with_model_options
from rewardsmith.config import DesignConfig
from rewardsmith.loop.record import library_versions
from rewardsmith.rewards.files import RewardFileError, read_reward_file
from rewardsmith.sandbox import (
    UNISOLATED_WARNING,
    Sandbox,
    SandboxJob,
    SandboxLimits,
    SandboxResult,
    SandboxUnavailableError,
    TrainJob,
    TrainOutput,
    choose_backend,
    close_sandbox,
    open_sandbox,
    prepare_job,
)
from rewardsmith.sandbox.base import ProgressFn
from rewardsmith.sandbox.confirm import run_confirmed
from rewardsmith.tasks import Task, TaskLoadError, TaskSpec, load_task
from rewardsmith.training import TrainConfig

TRAIN_OPTIONS = ("steps", "seed", "device", "num_envs")
SANDBOX_OPTIONS = ("sandbox", "job_timeout_s", "memory_mb", "threads")


@with_model_options(DesignConfig, only=SANDBOX_OPTIONS)
@with_model_options(TrainConfig, only=TRAIN_OPTIONS)
def train_command(
    task: Annotated[str, typer.Argument(help=DesignConfig.model_fields["task"].description)],
    reward: Annotated[
        str, typer.Option(help="'reference', 'sparse', or a file holding reward code (raw LLM text is fine).")
    ] = "reference",
    out: Annotated[Path, typer.Option(help=DesignConfig.model_fields["out"].description)] = DesignConfig.model_fields[
        "out"
    ].default,
    **options: Any,
) -> None:
    """Train PPO on TASK with one reward and print its task fitness. The reward is reviewed by the critic
    and trained in the sandbox, as a designed one is."""
    try:
        task_class = load_task(task)
        config = TrainConfig(**{name: options[name] for name in TRAIN_OPTIONS})
        sandbox_settings = DesignConfig(task=task, **{name: options[name] for name in SANDBOX_OPTIONS})
        candidate = _reviewed(task_class.spec, reward)
        choice = choose_backend(sandbox_settings.sandbox)
        check_writable(out)
    except (TaskLoadError, UserError, RewardFileError, SandboxUnavailableError) as error:
        raise fail(str(error)) from None
    except ValidationError as error:
        raise fail(validation_message(error)) from None
    except ValueError as error:
        raise fail(str(error)) from None

    # Only now, with every input read and judged, is there a run to keep.
    run_dir = make_run_dir(out, f"train-{task_class.spec.name}")
    resolved = config.with_hints(task_class.spec.ppo)
    planned = resolved.planned_steps()
    (run_dir / "config.json").write_text(
        json.dumps(
            {
                "command": "train",
                "task": task_class.spec.name,
                "reward": reward,
                "config": resolved.model_dump(mode="json"),
                "sandbox": choice.name,
                "versions": library_versions(),
            },
            indent=2,
        )
    )
    rounded = f" ({resolved.steps:,} asked, in whole PPO updates)" if planned != resolved.steps else ""
    console.print(
        f"training [bold]{task_class.spec.name}[/] with the [bold]{reward}[/] reward for {planned:,} steps{rounded} "
        f"on {resolved.device} (seed {resolved.seed}), sandbox: [bold]{choice.name}[/] ({choice.reason})",
        soft_wrap=True,
    )
    print_path("run", run_dir)
    with stops_cleanly():
        sandbox = open_sandbox(choice, pool_size=1, say=console.print)
        if not choice.isolating:
            errors.print(f"[bold yellow]{UNISOLATED_WARNING}[/]", highlight=False, soft_wrap=True)
        try:
            result = _train(sandbox, task_class, _task_ref(task), candidate.code, resolved, sandbox_settings, run_dir)
        except KeyboardInterrupt as interruption:
            sandbox.stop()
            sandbox.wait_idle(60)
            name = getattr(interruption, "signal_name", "SIGINT")
            leave(f"interrupted by {name}: training stopped; {run_dir} keeps what it wrote", EXIT_STATUS[name])
        finally:
            close_sandbox(sandbox)
    trained = result.output_of(TrainOutput)
    if not result.ok or trained is None:
        failure = result.failure
        kind, message = (failure.kind, failure.message.splitlines()[0]) if failure else ("sandbox_error", "no result")
        raise fail(f"training failed ({kind}): {message}", code=1)
    _print_training(task_class.spec, trained, run_dir)


def _reviewed(spec: TaskSpec, reward: str) -> Candidate:
    """The reward as a candidate the critic accepted (the built-in rewards are reviewed too).

    Raises:
        UserError: The critic refuses it; the message gives its errors.
        RewardFileError: The file cannot be read as reward code.
    """
    if reward == "reference":
        if spec.reference_reward_code is None:
            raise UserError(f"task '{spec.name}' has no reference reward: give --reward sparse or a reward file")
        text = spec.reference_reward_code
    elif reward == "sparse":
        text = spec.sparse_reward_code
    else:
        text = read_reward_file(Path(reward), "--reward")
    candidate = Candidate.of(Draft.from_answer(text, designer="user"), candidate_id="reward", iteration=0)
    verdict = StaticCritic().review(candidate, spec)
    if not verdict.passed:
        refused = [f for f in verdict.findings if f.severity == "error"]
        shown = "; ".join(f"{f.rule}" + (f" (line {f.line})" if f.line else "") + f": {f.message}" for f in refused[:3])
        raise UserError(f"the critic refuses --reward {reward}: {shown.splitlines()[0]}")
    return candidate


def _train(
    sandbox: Sandbox,
    task_class: type[Task],
    task_ref: str,
    code: str,
    config: TrainConfig,
    settings: DesignConfig,
    run_dir: Path,
) -> SandboxResult:
    limits = {"memory_mb": settings.memory_mb} if settings.memory_mb is not None else {}
    job = SandboxJob(
        id="train",
        job=TrainJob(task=task_ref, config=config),
        limits=SandboxLimits(wall_time_s=settings.job_timeout_s, threads=settings.threads, **limits),
    )
    job_dir = prepare_job(job, code, run_dir / "job")
    with step_progress("PPO", config.planned_steps()) as advance:
        return run_confirmed(sandbox, job, job_dir, run_dir / "training", on_progress=advance)


@contextmanager
def step_progress(label: str, total: int) -> Iterator[ProgressFn]:
    """A transient bar of training steps; yields the callback a sandbox job reports its steps to."""
    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} steps"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        progress = bar.add_task(label, total=total)

        def advance(done: int, total: int) -> None:
            bar.update(progress, completed=done, total=total)

        yield advance


def _print_training(spec: TaskSpec, trained: TrainOutput, run_dir: Path) -> None:
    result = trained.training
    table = Table("checkpoint", "steps", "time (s)", "eval fitness", "train return")
    for checkpoint in result.checkpoints:
        table.add_row(
            str(checkpoint.index),
            f"{checkpoint.step:,}",
            f"{checkpoint.wall_time_s:.1f}",
            f"{checkpoint.eval_fitness:.3f}",
            "-" if checkpoint.train_return is None else f"{checkpoint.train_return:.2f}",
        )
    console.print(table)
    verdict = "[green]solved[/]" if result.solved else "[yellow]not solved[/]"
    console.print(
        f"{spec.fitness.name} = [bold]{result.fitness:.3f}[/] (solved at {spec.fitness.solved_threshold:g}): "
        f"{verdict}; {result.steps:,} steps in {result.wall_time_s:.1f} s "
        f"({result.env_steps_per_second:,.0f} steps/s)"
    )
    print_path("record", run_dir)


def _task_ref(task: str) -> str:
    # A task file is named by its absolute path, which the sandbox's runner opens from anywhere.
    if ":" in task and task.split(":", 1)[0].endswith(".py"):
        path, name = task.rsplit(":", 1)
        return f"{Path(path).resolve()}:{name}"
    return task


def make_run_dir(out: Path, label: str) -> Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    run_dir = out / f"{stamp}-{label}"
    try:
        run_dir.mkdir(parents=True, exist_ok=False)
    except OSError as error:
        raise fail(f"cannot create a run directory under '{out}': {error.strerror}; pass a writable --out") from None
    return run_dir
