"""``rewardsmith train-text``: GRPO on a built-in text task with one text reward, in the sandbox."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter, ValidationError
from rich.table import Table

from rewardsmith.agents.types import Finding
from rewardsmith.cli.common import check_writable, console, errors, fail, print_path, validation_message
from rewardsmith.cli.interrupts import EXIT_STATUS, leave, stops_cleanly
from rewardsmith.cli.options import with_model_options
from rewardsmith.cli.train import SANDBOX_OPTIONS, make_run_dir, step_progress
from rewardsmith.config import DesignConfig
from rewardsmith.llm import LLMUnavailableError
from rewardsmith.loop.record import library_versions
from rewardsmith.rewards.errors import RewardContractError
from rewardsmith.rewards.files import RewardFileError, read_reward_file
from rewardsmith.sandbox import (
    UNISOLATED_WARNING,
    SandboxJob,
    SandboxLimits,
    SandboxResult,
    SandboxUnavailableError,
    TextTrainJob,
    TextTrainOutput,
    choose_backend,
    close_sandbox,
    open_sandbox,
    prepare_job,
)
from rewardsmith.text.artefact import load_rubric
from rewardsmith.text.contract import checked_text_reward_code
from rewardsmith.text.detectors import TextObserved, detect_text_hacking
from rewardsmith.text.judge import judge_for
from rewardsmith.text.registry import TextTaskError, text_task_names
from rewardsmith.text.training import TEXT_TRAIN_MEMORY_MB, TextTaskRef, TextTrainConfig, TextTrainingResult

TASK_OPTIONS = ("train_size", "held_out_size")

#: The text detectors' findings on the run, beside its result.
FINDINGS_FILE = "findings.json"
FINDINGS = TypeAdapter(list[Finding])


@with_model_options(DesignConfig, only=SANDBOX_OPTIONS)
@with_model_options(TextTaskRef, only=TASK_OPTIONS)
@with_model_options(TextTrainConfig)
def train_text_command(
    task: Annotated[str, typer.Argument(help=f"A built-in text task: {', '.join(text_task_names())}.")],
    reward: Annotated[
        str,
        typer.Option(
            help="'reference', 'sparse', a file holding text reward code (compute_reward(prompts, ...)), or a rubric "
            "(.json: weighted machine checks and judge criteria)."
        ),
    ] = "reference",
    judge: Annotated[
        str | None,
        typer.Option(
            help="The judge of a rubric's judge criteria, as an --llm string; the embedded model by default. A "
            "container has no network: a judge behind a server needs --sandbox none."
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help=DesignConfig.model_fields["out"].description)] = DesignConfig.model_fields[
        "out"
    ].default,
    **options: Any,
) -> None:
    """Train the embedded SmolLM2-135M with GRPO (TRL) on a built-in text TASK with one text reward, in the
    sandbox, and print its learning curve: held-out fitness (the task's trusted checker on greedy completions of
    held-out prompts) against the untrained policy's, the reward, completion length and repetition."""
    try:
        task_ref = TextTaskRef(name=task, **{name: options[name] for name in TASK_OPTIONS})
        text_task = task_ref.load()
        config = TextTrainConfig(**{name: options[name] for name in TextTrainConfig.model_fields}).checked()
        settings = DesignConfig(task=task, **{name: options[name] for name in SANDBOX_OPTIONS})
        code = _reward_code(reward, text_task.reference_reward_code, text_task.sparse_reward_code)
        if judge is not None:
            judge_for(judge)  # a malformed or unavailable judge fails here, not in the sandbox
        choice = choose_backend(settings.sandbox)
        check_writable(out)
    except (TextTaskError, RewardFileError, SandboxUnavailableError, LLMUnavailableError) as error:
        raise fail(str(error)) from None
    except RewardContractError as error:
        raise fail(f"--reward {reward}: {error.message.splitlines()[0]}") from None
    except ValidationError as error:
        raise fail(validation_message(error)) from None
    except ValueError as error:
        raise fail(str(error)) from None

    run_dir = make_run_dir(out, f"train-text-{task}")
    (run_dir / "config.json").write_text(
        json.dumps(
            {
                "command": "train-text",
                "task": task_ref.model_dump(mode="json"),
                "reward": reward,
                "judge": judge,
                "config": config.model_dump(mode="json"),
                "sandbox": choice.name,
                "versions": library_versions(),
            },
            indent=2,
        )
    )
    console.print(
        f"GRPO on [bold]{task}[/] with the [bold]{reward}[/] reward for {config.steps} steps of {config.batch_size} "
        f"completions, sandbox: [bold]{choice.name}[/] ({choice.reason})",
        soft_wrap=True,
    )
    print_path("run", run_dir)
    memory_mb = settings.memory_mb if settings.memory_mb is not None else TEXT_TRAIN_MEMORY_MB
    job = SandboxJob(
        id="train-text",
        job=TextTrainJob(task=task_ref, config=config, judge=judge),
        # The job loads a .json reward file as a rubric, with its judge.
        reward_file="reward.json" if _is_rubric(reward) else "reward.py",
        limits=SandboxLimits(wall_time_s=settings.job_timeout_s, threads=settings.threads, memory_mb=memory_mb),
    )
    with stops_cleanly():
        sandbox = open_sandbox(choice, pool_size=1, say=console.print)
        if not choice.isolating:
            errors.print(f"[bold yellow]{UNISOLATED_WARNING}[/]", highlight=False, soft_wrap=True)
        try:
            result = _run(sandbox, job, code, config, run_dir)
        except KeyboardInterrupt as interruption:
            sandbox.stop()
            sandbox.wait_idle(60)
            name = getattr(interruption, "signal_name", "SIGINT")
            leave(f"interrupted by {name}: training stopped; {run_dir} keeps what it wrote", EXIT_STATUS[name])
        finally:
            close_sandbox(sandbox)
    (run_dir / "result.json").write_text(result.model_dump_json(indent=2))
    trained = result.output_of(TextTrainOutput)
    if not result.ok or trained is None:
        failure = result.failure
        kind, message = (failure.kind, failure.message.splitlines()[0]) if failure else ("sandbox_error", "no result")
        raise fail(f"training failed ({kind}): {message}", code=1)
    print_curve(trained.training)
    solutions = trained.verify.rewards
    seen = TextObserved(
        result=trained.training,
        max_chars=text_task.max_chars,
        competent_reward=statistics.median(solutions) if solutions else None,
    )
    findings = detect_text_hacking(seen)
    (run_dir / FINDINGS_FILE).write_text(FINDINGS.dump_json(findings, indent=2).decode())
    print_findings(findings)
    print_path("record", run_dir)


def _reward_code(reward: str, reference: str | None, sparse: str) -> str:
    if reward == "reference":
        if reference is None:
            raise ValueError("this task has no reference reward: give --reward sparse or a reward file")
        return reference
    if reward == "sparse":
        return sparse
    text = read_reward_file(Path(reward), "--reward")
    if _is_rubric(reward):
        return load_rubric(text, f"--reward {reward}").model_dump_json(indent=2)
    return checked_text_reward_code(text)


def _is_rubric(reward: str) -> bool:
    return Path(reward).suffix == ".json"


def _run(sandbox: Any, job: SandboxJob, code: str, config: TextTrainConfig, run_dir: Path) -> SandboxResult:
    job_dir = prepare_job(job, code, run_dir / "job")
    with step_progress("GRPO", config.steps) as advance:
        return sandbox.run(job, job_dir, run_dir / "training", on_progress=advance)


def print_curve(result: TextTrainingResult) -> None:
    """The learning curve as a table, and one line comparing the last point with the untrained policy."""
    table = Table(
        "step", "time (s)", "held-out fitness", "held-out reward", "train reward", "chars", "repeated n-grams",
        "in form, wrong",
    )  # fmt: skip
    for point in result.curve:
        form = point.held_out.format_without_correct
        table.add_row(
            str(point.step),
            f"{point.wall_time_s:.0f}",
            f"{point.held_out_fitness:.3f}",
            f"{point.held_out_reward:.3f}",
            "-" if point.train_reward is None else f"{point.train_reward:.3f}",
            f"{point.held_out.mean_chars:.0f}",
            "-" if point.train is None else f"{point.train.repeated_ngram_share:.3f}",
            "-" if form is None else f"{form:.3f}",
        )
    console.print(table)
    per_step = result.seconds_per_step
    console.print(
        f"held-out fitness [bold]{result.final_fitness:.3f}[/] after {len(result.steps)} steps, untrained "
        f"{result.initial_fitness:.3f}; {result.wall_time_s:.0f} s"
        + (f" ({per_step:.1f} s a step, evaluations included)" if per_step is not None else ""),
        soft_wrap=True,
    )


def print_findings(findings: list[Finding]) -> None:
    """What the text detectors saw GRPO teach the policy, one line each; one line when they saw nothing."""
    if not findings:
        console.print("text detectors: nothing the reward paid that the held-out fitness did not", soft_wrap=True)
    for finding in findings:
        style = "bold red" if finding.severity == "hacking" else "yellow"
        console.print(f"[{style}]{finding.severity}[/] {finding.kind}: {finding.message}", soft_wrap=True)
