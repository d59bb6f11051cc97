"""``rewardsmith export``: a text reward as one file for a trainer (TRL, verl, OpenRLHF, verifiers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rewardsmith.cli.common import console, fail
from rewardsmith.loop.record import RunFileError, RunNotFoundError, RunRecord
from rewardsmith.rewards.files import RewardFileError, read_reward_file
from rewardsmith.text.artefact import ArtefactError, load_rubric
from rewardsmith.text.export import (
    ENTRY_POINTS,
    EXPORT_TARGETS,
    ExportError,
    ExportTarget,
    dataset_rows,
    export_rubric,
    export_text_reward,
    openrlhf_labels,
)
from rewardsmith.text.registry import TextTaskError, is_text_task, load_text_task


def export_command(
    reward: Annotated[
        Path,
        typer.Argument(
            help="A text reward file (verifier code with compute_reward(prompts, completions, answers, ...), or a "
            ".json rubric of machine checks), or a finished design run of a text task, whose best reward is exported.",
        ),
    ],
    to: Annotated[str, typer.Option("--to", help=f"The trainer: {' | '.join(EXPORT_TARGETS)}.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="The file to write; <reward>_<trainer>.py beside the reward by default."),
    ] = None,
    task: Annotated[
        str | None,
        typer.Option(
            "--task",
            help="Also write this text task's training prompts as JSON lines, in the columns the trainer reads.",
        ),
    ] = None,
) -> None:
    """Write a text reward as a file for a trainer, which scores completions exactly as rewardsmith does."""
    if to not in EXPORT_TARGETS:
        raise fail(f"unknown trainer '{to}' for --to: use one of {', '.join(EXPORT_TARGETS)}")
    target: ExportTarget = to  # type: ignore[assignment]
    try:
        if reward.is_dir():
            reward, run_task = _run_best_reward(reward)
            task = task or run_task
        source = read_reward_file(reward, "reward")
        if reward.suffix == ".json":
            text = export_rubric(load_rubric(source, str(reward)), target)
        else:
            text = export_text_reward(source, target)
        rows = _rows(task, target) if task is not None else None
    except (RewardFileError, ExportError, ArtefactError, TextTaskError, RunNotFoundError, RunFileError) as error:
        raise fail(str(error)) from None
    path = out or reward.with_name(f"{reward.stem}_{target}.py")
    path.write_text(text)
    console.print(f"wrote {path} (entry point {ENTRY_POINTS[target]})", soft_wrap=True)
    if rows is not None:
        data = path.with_suffix(".train.jsonl")
        data.write_text("".join(json.dumps(row) + "\n" for row in rows))
        console.print(f"wrote {data} ({len(rows)} prompts of '{task}')", soft_wrap=True)


def _run_best_reward(run_dir: Path) -> tuple[Path, str]:
    """A finished text run's best reward file and its task."""
    record = RunRecord.open(run_dir)
    task = record.config_record().config.task
    if not is_text_task(task):
        raise ExportError(f"run {record.run_id} designed a reward for '{task}', not a text task: nothing to export")
    summary = record.summary()
    if summary is None or summary.best_candidate_id is None:
        raise ExportError(
            f"run {record.run_id} has no best reward yet; finish it with `rewardsmith resume {record.dir}`"
        )
    return record.path(record.BEST_REWARD), task


def _rows(task: str, target: ExportTarget) -> list[dict[str, object]]:
    text_task = load_text_task(task)
    rows = dataset_rows(text_task, "train")
    if target == "openrlhf":
        return [
            {"prompt": row["prompt"], "label": label}
            for row, label in zip(rows, openrlhf_labels(text_task, "train"), strict=True)
        ]
    return rows
