"""``rewardsmith design`` and ``resume``: run the loop, ask a reviewer between rounds, print the result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.prompt import Prompt
from rich.table import Table

from rewardsmith.api import NotPausedError, RunDirectoryError, SeedRewardError, design, resume
from rewardsmith.cli.common import UserError, check_writable, console, errors, fail, print_path, validation_message
from rewardsmith.cli.interrupts import stops_cleanly
from rewardsmith.cli.options import with_model_options
from rewardsmith.cli.progress import RichReporter
from rewardsmith.config import AGENT_ROLES, DesignConfig
from rewardsmith.llm import CallLog, LLMUnavailableError
from rewardsmith.loop.agents import chat_models_for
from rewardsmith.loop.families import open_family
from rewardsmith.loop.lock import RunLockedError
from rewardsmith.loop.record import RunFileError, RunNotFoundError, RunRecord
from rewardsmith.loop.results import DesignResult, PausedRun, format_score
from rewardsmith.sandbox import SandboxUnavailableError, choose_backend
from rewardsmith.tasks import TaskLoadError

#: Errors a run can end with before or instead of running, each already one line that says what to do.
RUN_ERRORS = (
    TaskLoadError,
    SeedRewardError,
    RunDirectoryError,
    LLMUnavailableError,
    SandboxUnavailableError,
    RunLockedError,
    RunFileError,
    NotPausedError,
)


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
        family = open_family(task)
        if seed_reward is not None and not seed_reward.is_file():
            raise UserError(f"--seed-reward '{seed_reward}' is not a file; pass a reward file")
        config = DesignConfig(task=task, **options)
        family.check(config)
        check_writable(config.out)
        # Finds a missing key or package now; models are loaded, or their servers reached, by design()
        # before it makes the run directory.
        chat_models_for(config)
        choice = choose_backend(config.sandbox)
    except (UserError, *RUN_ERRORS) as error:
        raise fail(str(error)) from None
    except ValidationError as error:
        raise fail(validation_message(error)) from None
    except ValueError as error:
        raise fail(str(error)) from None
    console.print(
        f"designing a reward for [bold]{task}[/]: {config.iterations} rounds × {config.samples} candidates, "
        f"designer: {_designer_label(config)}, sandbox: [bold]{choice.name}[/] ({choice.reason})",
        soft_wrap=True,
    )
    with stops_cleanly():
        with RichReporter(console, config.iterations, config.samples) as reporter:
            try:
                result = design(task, reporter=reporter, **options)
            except RUN_ERRORS as error:
                raise fail(str(error)) from None
        finished = _reviewed(result, config)
    print_result(finished, config)
    _fail_if_every_call_failed(finished, config)


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
    except (RunNotFoundError, RunFileError) as error:
        raise fail(str(error)) from None
    console.print(f"resuming [bold]{record.run_id}[/]")
    with stops_cleanly():
        with RichReporter(console, config.iterations, config.samples) as reporter:
            try:
                result = resume(run, reporter=reporter, feedback=feedback)
            except TaskLoadError as error:
                raise fail(f"{error}; the run needs its task to resume: restore the file it names") from None
            except RUN_ERRORS as error:
                raise fail(str(error)) from None
        finished = _reviewed(result, config)
    print_result(finished, config)
    _fail_if_every_call_failed(finished, config)


def _reviewed(result: DesignResult | PausedRun, config: DesignConfig) -> DesignResult:
    """Ask the reviewer for feedback at each pause and go on until the run finishes."""
    while isinstance(result, PausedRun):
        console.print(f"[bold]review[/] after {result.summary}; next: {result.next}")
        try:
            feedback = Prompt.ask("feedback for the designer (empty: none)", default="", console=console)
        except EOFError:
            # No one at the terminal (stdin closed or not a terminal): the run stays paused, whole.
            raise fail(
                f"no reviewer answered (standard input is closed); the run is paused and kept: continue it "
                f"with `rewardsmith resume {result.run_dir} --feedback TEXT`",
                code=1,
            ) from None
        with RichReporter(console, config.iterations, config.samples) as reporter:
            result = resume(result.run_dir, reporter=reporter, feedback=feedback)
    return result


def _fail_if_every_call_failed(result: DesignResult, config: DesignConfig) -> None:
    """A run whose every LLM call failed did not design with the model it was asked to: exit status 1."""
    if not config.uses_llm:
        return
    calls = CallLog.read(result.run_dir)
    if calls and all(call.error_kind is not None for call in calls):
        errors.print(
            f"[bold red]error:[/] every one of the run's {len(calls)} LLM calls failed (the first: "
            f"{calls[0].error_kind}); the run is kept, but no model designed it: check --llm and the server, "
            "then design again",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)


def _designer_label(config: DesignConfig) -> str:
    if not config.uses_llm:
        return "rule-based (offline)"
    roles = {role: config.llm_for(role) for role in AGENT_ROLES}
    if len(set(roles.values())) == 1:
        return f"[bold]{config.llm}[/]"
    return ", ".join(f"{role} [bold]{text}[/]" for role, text in roles.items())


def print_result(result: DesignResult, config: DesignConfig) -> None:
    print_rounds(result)
    if result.best_candidate_id is None:
        console.print("no candidate trained; the report says why:")
        print_path("report", result.run_dir / "report.html")
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
    print_path("run", result.run_dir)
    if result.best_reward_path is not None:
        print_path("best reward", result.best_reward_path)
    print_path("report", result.run_dir / "report.html")


def print_rounds(result: DesignResult) -> None:
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
