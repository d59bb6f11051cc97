"""The ``rewardsmith`` command line."""

from __future__ import annotations

import datetime
import json
import platform
from pathlib import Path
from typing import Annotated

import torch
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rewardsmith import __version__
from rewardsmith.rewards import RewardContractError, load_reward
from rewardsmith.tasks import TaskLoadError, TaskSpec, load_task, task_names
from rewardsmith.training import TrainConfig, TrainingError, train

app = typer.Typer(
    help="rewardsmith: design, verify and train reward functions for reinforcement learning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)


class UserError(Exception):
    """A problem with the user's input; printed as one line, exit status 2."""


def _fail(message: str, code: int = 2) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@app.command("tasks")
def tasks_command() -> None:
    """List the built-in and registered tasks."""
    table = Table("task", "actions", "episode", "fitness", "solved at", "description")
    for name in task_names():
        spec = load_task(name).spec
        actions = spec.action_space.kind
        table.add_row(
            name,
            actions,
            str(spec.episode_length),
            spec.fitness.name,
            f"{spec.fitness.solved_threshold:g}",
            spec.description.split(". ")[0],
        )
    console.print(table)


@app.command("train")
def train_command(
    task: Annotated[str, typer.Argument(help="A task name (see `rewardsmith tasks`) or path/to/file.py:ClassName.")],
    reward: Annotated[
        str, typer.Option(help="'reference', 'sparse', or a file holding reward code (raw LLM text is fine).")
    ] = "reference",
    steps: Annotated[int | None, typer.Option(help=TrainConfig.model_fields["steps"].description)] = None,
    seed: Annotated[int, typer.Option(help=TrainConfig.model_fields["seed"].description)] = 0,
    device: Annotated[str, typer.Option(help=TrainConfig.model_fields["device"].description)] = "auto",
    num_envs: Annotated[int | None, typer.Option(help=TrainConfig.model_fields["num_envs"].description)] = None,
    out: Annotated[Path, typer.Option(help="Directory that receives the run directory.")] = Path("runs"),
) -> None:
    """Train PPO on TASK with one reward and print its task fitness."""
    try:
        task_class = load_task(task)
        config = TrainConfig(steps=steps, seed=seed, device=device, num_envs=num_envs)
        run_dir = _make_run_dir(out, f"train-{task_class.spec.name}")
        source = _reward_source(task_class.spec, reward)
        loaded = load_reward(source, task_class.spec, workdir=run_dir)
        config.torch_device()
    except (TaskLoadError, UserError, RewardContractError) as error:
        raise _fail(str(error)) from None
    except ValidationError as error:
        first = error.errors()[0]
        raise _fail(f"invalid value for --{str(first['loc'][0]).replace('_', '-')}: {first['msg']}") from None
    except ValueError as error:
        raise _fail(str(error)) from None

    resolved = config.with_hints(task_class.spec.ppo)
    (run_dir / "config.json").write_text(
        json.dumps(
            {
                "command": "train",
                "task": task_class.spec.name,
                "reward": reward,
                "config": resolved.model_dump(mode="json"),
                "versions": _versions(),
            },
            indent=2,
        )
    )
    console.print(
        f"training [bold]{task_class.spec.name}[/] with the [bold]{reward}[/] reward for {resolved.steps:,} steps "
        f"on {resolved.torch_device()} (seed {seed}); run dir {run_dir}"
    )
    with Progress(
        TextColumn("PPO"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} steps"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        job = bar.add_task("train", total=resolved.steps)

        def progress(done: int, total: int) -> None:
            bar.update(job, completed=done, total=total)

        try:
            result = train(
                task_class, loaded, resolved, out_dir=run_dir, reward_sha256=loaded.sha256, progress=progress
            )
        except TrainingError as error:
            raise _fail(f"training failed ({error.kind}): {error}", code=1) from None

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
        f"{task_class.spec.fitness.name} = [bold]{result.fitness:.3f}[/] "
        f"(solved at {task_class.spec.fitness.solved_threshold:g}): {verdict}; "
        f"{result.steps:,} steps in {result.wall_time_s:.1f} s ({result.env_steps_per_second:,.0f} steps/s); "
        f"record in {run_dir}"
    )


def _reward_source(spec: TaskSpec, reward: str) -> str:
    if reward == "reference":
        return spec.reference_reward_code
    if reward == "sparse":
        return spec.sparse_reward_code
    path = Path(reward)
    if not path.is_file():
        raise UserError(f"--reward must be 'reference', 'sparse' or a readable file; '{reward}' is none of these")
    return path.read_text()


def _make_run_dir(out: Path, label: str) -> Path:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    run_dir = out / f"{stamp}-{label}"
    try:
        run_dir.mkdir(parents=True, exist_ok=False)
    except OSError as error:
        raise UserError(
            f"cannot create a run directory under '{out}': {error.strerror}; pass a writable --out"
        ) from None
    return run_dir


def _versions() -> dict[str, str]:
    import skrl

    return {
        "rewardsmith": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "skrl": skrl.__version__,
    }


def main() -> None:
    app()
