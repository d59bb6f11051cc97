"""The ``rewardsmith`` command line."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.prompt import Prompt
from rich.table import Table

from rewardsmith.agents.build import chat_models_for
from rewardsmith.api import SeedRewardError, design, resume
from rewardsmith.cli.common import UserError, console, errors, fail
from rewardsmith.cli.options import with_model_options
from rewardsmith.cli.progress import RichReporter
from rewardsmith.cli.sandbox import sandbox_app
from rewardsmith.config import AGENT_ROLES, DesignConfig
from rewardsmith.llm import AgentTotals, CallLog, LLMUnavailableError, LLMUsage
from rewardsmith.loop.record import RunNotFoundError, RunRecord, library_versions
from rewardsmith.loop.results import DesignResult, PausedRun, format_score
from rewardsmith.rewards import RewardContractError, load_reward
from rewardsmith.sandbox import SandboxUnavailableError, choose_backend
from rewardsmith.tasks import TaskLoadError, TaskSpec, load_task, task_names
from rewardsmith.training import TrainConfig, TrainingError, train

app = typer.Typer(
    help="rewardsmith: design, verify and train reward functions for reinforcement learning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(sandbox_app, name="sandbox")
_fail = fail


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
@with_model_options(TrainConfig, only=("steps", "seed", "device", "num_envs"))
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
    """Train PPO on TASK with one reward and print its task fitness."""
    try:
        task_class = load_task(task)
        config = TrainConfig(**options)
        run_dir = _make_run_dir(out, f"train-{task_class.spec.name}")
        source = _reward_source(task_class.spec, reward)
        loaded = load_reward(source, task_class.spec, workdir=run_dir)
        config.torch_device()
    except (TaskLoadError, UserError, RewardContractError) as error:
        raise _fail(str(error)) from None
    except ValidationError as error:
        raise _fail(_validation_message(error)) from None
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
                "versions": library_versions(),
            },
            indent=2,
        )
    )
    console.print(
        f"training [bold]{task_class.spec.name}[/] with the [bold]{reward}[/] reward for {resolved.steps:,} steps "
        f"on {resolved.torch_device()} (seed {resolved.seed}); run dir {run_dir}"
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


@app.command("design")
@with_model_options(DesignConfig, exclude=("task",))
def design_command(
    task: Annotated[str, typer.Argument(help=DesignConfig.model_fields["task"].description)],
    **options: Any,
) -> None:
    """Design a reward for TASK: rounds of design, critique, verification, training and analysis."""
    seed_reward: Path | None = options["seed_reward"]
    if seed_reward is not None:
        options["seed_reward"] = seed_reward.resolve()
    try:
        load_task(task)
        if seed_reward is not None and not seed_reward.is_file():
            raise UserError(f"--seed-reward '{seed_reward}' is not a file; pass a reward file")
        config = DesignConfig(task=task, **options)
        TrainConfig(device=config.device).torch_device()
        _check_writable(config.out)
        # Builds nothing heavy (local models load on their first call) but finds a missing key or package.
        chat_models_for(config)
        choice = choose_backend(config.sandbox)
    except (TaskLoadError, UserError, SandboxUnavailableError, LLMUnavailableError) as error:
        raise _fail(str(error)) from None
    except ValidationError as error:
        raise _fail(_validation_message(error)) from None
    except ValueError as error:
        raise _fail(str(error)) from None
    console.print(
        f"designing a reward for [bold]{task}[/]: {config.iterations} rounds × {config.samples} candidates, "
        f"designer: {_designer_label(config)}, sandbox: [bold]{choice.name}[/] ({choice.reason})",
        soft_wrap=True,
    )
    with RichReporter(console, config.iterations, config.samples) as reporter:
        try:
            result = design(task, reporter=reporter, **options)
        except SeedRewardError as error:
            raise _fail(str(error)) from None
    _print_result(_reviewed(result, config), config)


def _reviewed(result: DesignResult | PausedRun, config: DesignConfig) -> DesignResult:
    """Ask the reviewer for feedback at each pause and go on until the run finishes."""
    while isinstance(result, PausedRun):
        console.print(f"[bold]review[/] after {result.summary}; next: {result.next}")
        try:
            feedback = Prompt.ask("feedback for the designer (empty: none)", default="", console=console)
        except EOFError:
            # No one at the terminal (stdin closed or not a terminal): the run stays paused, whole.
            raise _fail(
                f"no reviewer answered (standard input is closed); the run is paused and kept: continue it "
                f"with `rewardsmith resume {result.run_dir} --feedback TEXT`",
                code=1,
            ) from None
        with RichReporter(console, config.iterations, config.samples) as reporter:
            result = resume(result.run_dir, reporter=reporter, feedback=feedback)
    return result


def _designer_label(config: DesignConfig) -> str:
    if not config.uses_llm:
        return "rule-based (offline)"
    roles = {role: config.llm_for(role) for role in AGENT_ROLES}
    if len(set(roles.values())) == 1:
        return f"[bold]{config.llm}[/]"
    return ", ".join(f"{role} [bold]{text}[/]" for role, text in roles.items())


@app.command("resume")
def resume_command(
    run: Annotated[Path, typer.Argument(help="A run directory, runs/<run-id>.")],
    feedback: Annotated[
        str | None, typer.Option(help="Feedback for the designer, for a run paused for review (--review).")
    ] = None,
) -> None:
    """Continue a run that was cut off, or paused for review, without redoing finished work."""
    try:
        record = RunRecord.open(run)
        config = record.config_record().config
    except RunNotFoundError as error:
        raise _fail(str(error)) from None
    console.print(f"resuming [bold]{record.run_id}[/]")
    with RichReporter(console, config.iterations, config.samples) as reporter:
        result = resume(run, reporter=reporter, feedback=feedback)
    _print_result(_reviewed(result, config), config)


@app.command("show")
def show_command(run: Annotated[Path, typer.Argument(help="A run directory, runs/<run-id>.")]) -> None:
    """Summarise a run: every candidate with its status, fitness, normalised score and reason."""
    try:
        record = RunRecord.open(run)
    except RunNotFoundError as error:
        raise _fail(str(error)) from None
    evaluation = record.final_evaluation()
    table = Table("candidate", "status", "fitness", "norm. score", "reason", title=f"run {record.run_id}")
    for status in record.statuses():
        score = evaluation.normalize(status.fitness) if evaluation is not None else None
        stage = status.stage if status.stopped_at is None else f"{status.stage} at {status.stopped_at}"
        if status.hacking_suspected:
            stage += " (hacking?)"
        reason = f"{status.reason_kind}: {status.reason}" if status.reason_kind else ""
        table.add_row(
            status.id,
            stage,
            format_score(status.fitness),
            format_score(score),
            reason[:120].replace("\n", " "),
        )
    console.print(table)
    _print_llm_usage(record)
    summary = record.summary()
    if summary is not None:
        _print_result(summary, record.config_record().config)
    else:
        console.print("the run has not finished; continue it with [bold]rewardsmith resume[/] " + str(run))


def _print_llm_usage(record: RunRecord) -> None:
    calls = CallLog.read(record.dir)
    if not calls:
        return
    usage = LLMUsage.of(calls, record.config_record().config.budget_tokens)
    models: dict[str, set[str]] = {}
    for call in calls:
        models.setdefault(call.agent, set()).add(call.model)
    table = Table(
        "agent", "model", "calls", "failed", "prompt tok.", "completion tok.", "latency (s)", "cost", title="LLM calls"
    )

    def row(name: str, model: str, totals: AgentTotals) -> None:
        cost = "-" if totals.cost_usd is None else f"${totals.cost_usd:.4f}"
        table.add_row(
            name,
            model,
            str(totals.calls),
            str(totals.failed_calls),
            f"{totals.prompt_tokens:,}",
            f"{totals.completion_tokens:,}",
            f"{totals.latency_s:.1f}",
            cost,
        )

    for agent, totals in usage.agents.items():
        row(agent, ", ".join(sorted(models[agent])), totals)
    row("all", "", usage.total)
    console.print(table)
    if usage.budget_tokens is not None:
        console.print(f"token budget: {usage.total.total_tokens:,} of {usage.budget_tokens:,} spent")


def _print_result(result: DesignResult, config: DesignConfig) -> None:
    _print_rounds(result)
    if result.best_candidate_id is None:
        console.print("no candidate trained; the report says why:")
        _print_path("report", result.run_dir / "report.html")
        return
    if config.final_seeds == 0:
        console.print(
            f"best: [bold]{result.best_candidate_id}[/], fitness {format_score(result.training_fitness)} in the loop "
            "(--final-seeds 0: not retrained, so no normalised score)"
        )
    else:
        fitness, spread = format_score(result.fitness), format_score(result.fitness_std)
        reference, sparse = format_score(result.reference_fitness), format_score(result.sparse_fitness)
        console.print(
            f"best: [bold]{result.best_candidate_id}[/], fitness {fitness} ± {spread} over the final seeds "
            f"(reference {reference}, sparse {sparse}), normalised score "
            f"[bold]{format_score(result.normalized_score)}[/]"
        )
    _print_path("run", result.run_dir)
    if result.best_reward_path is not None:
        _print_path("best reward", result.best_reward_path)
    _print_path("report", result.run_dir / "report.html")


def _print_rounds(result: DesignResult) -> None:
    """Each round's best beside the best so far: the design at work, round by round."""
    if not result.history:
        return
    table = Table(
        "round", "spec", "designed", "rejected", "trained", "solved", "round's best", "best so far", title="rounds"
    )
    for round_ in result.history:
        table.add_row(
            str(round_.iteration),
            f"v{round_.rubric_version}",
            str(round_.designed),
            str(round_.rejected),
            str(round_.trained),
            str(round_.solved),
            f"{round_.round_best_id} {format_score(round_.round_best_fitness)}" if round_.round_best_id else "-",
            f"{round_.best_id} {format_score(round_.best_fitness)}" if round_.best_id else "-",
        )
    console.print(table)


def _print_path(label: str, path: Path) -> None:
    """A path on a line of its own, never wrapped, so it can be copied whole."""
    console.print(f"{label + ':':<13}{path}", soft_wrap=True, highlight=False)


def _check_writable(out: Path) -> None:
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise UserError(f"--out '{out}' is not writable; pass a directory you can write to")


def _validation_message(error: ValidationError) -> str:
    first = error.errors()[0]
    field = str(first["loc"][0]).replace("_", "-") if first["loc"] else "value"
    return f"invalid value for --{field}: {first['msg'].removeprefix('Value error, ')}"


def main() -> None:
    """Entry point: every usage error is one line on stderr and exit status 2, never a traceback."""
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
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
