"""The ``rewardsmith`` command line: the commands, and the entry point that keeps every error to one line."""

from __future__ import annotations

import os

import typer
from rich.table import Table

from rewardsmith.cli.batch import batch_command
from rewardsmith.cli.bench import bench_command
from rewardsmith.cli.common import console, errors
from rewardsmith.cli.design import design_command, resume_command
from rewardsmith.cli.export import export_command
from rewardsmith.cli.report import report_command
from rewardsmith.cli.sandbox import sandbox_app
from rewardsmith.cli.show import show_command
from rewardsmith.cli.train import train_command
from rewardsmith.cli.train_text import train_text_command
from rewardsmith.loop.families import open_family
from rewardsmith.tasks import load_task, task_names
from rewardsmith.text.registry import load_text_task, text_task_names

app = typer.Typer(
    help="rewardsmith: design, verify and train reward functions for reinforcement learning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(sandbox_app, name="sandbox")
app.command("design")(design_command)
app.command("resume")(resume_command)
app.command("report")(report_command)
app.command("bench")(bench_command)
app.command("show")(show_command)
app.command("train")(train_command)
app.command("train-text")(train_text_command)
app.command("batch")(batch_command)
app.command("export")(export_command)


@app.command("tasks")
def tasks_command() -> None:
    """List the built-in and registered tasks."""
    table = Table("task", "actions", "episode", "fitness", "solved at", "description")
    for name in task_names():
        spec = load_task(name).spec
        table.add_row(
            name,
            spec.action_space.kind,
            str(spec.episode_length),
            spec.fitness.name,
            f"{spec.fitness.solved_threshold:g}",
            spec.description.split(". ")[0],
        )
    console.print(table)
    text = Table("text task", "fitness", "solved at", "description", title="text tasks (GRPO on the embedded model)")
    for name in text_task_names():
        facts = open_family(name).facts
        description = load_text_task(name).description
        text.add_row(name, facts.fitness_name, f"{facts.solved_threshold:g}", description.split(". ")[0])
    console.print(text)


def main() -> None:
    """Entry point: every usage error is one line on stderr and exit status 2, never a traceback."""
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        errors.print("[bold yellow]interrupted[/]", highlight=False)
        raise SystemExit(130) from None
    except KeyboardInterrupt:
        errors.print("[bold yellow]interrupted; nothing was run[/]", highlight=False)
        raise SystemExit(130) from None
    except Exception as error:
        # Usage errors from the command-line parser carry their own message and exit status.
        if hasattr(error, "format_message") and isinstance(getattr(error, "exit_code", None), int):
            if error.format_message():  # empty after `no_args_is_help` has printed the help
                errors.print(f"[bold red]error:[/] {error.format_message()}", highlight=False, soft_wrap=True)
            raise SystemExit(error.exit_code) from None
        if os.environ.get("REWARDSMITH_DEBUG"):
            raise
        message = str(error).splitlines()[0] if str(error) else ""
        errors.print(
            f"[bold red]error:[/] {type(error).__name__}: {message} (REWARDSMITH_DEBUG=1 shows the traceback)",
            highlight=False,
            soft_wrap=True,
        )
        raise SystemExit(1) from None
    raise SystemExit(code if isinstance(code, int) else 0)
