"""TensorBoard event files for every training of a run, so that ``tensorboard --logdir runs/`` shows them.

They are written from the typed training results, for people; nothing in rewardsmith reads them back.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from torch.utils.tensorboard import SummaryWriter

from rewardsmith.loop.record import TRAIN, RunRecord
from rewardsmith.loop.results import FinalEvaluation
from rewardsmith.sandbox import SandboxResult, TrainOutput
from rewardsmith.training.result import TrainingResult

FOLDER = "tensorboard"


EventsOf = Callable[[Path, SandboxResult], None]
"""Writes one training's scalars under a folder, as the task's family reads its result; nothing where it holds none."""


def write_events(record: RunRecord, evaluation: FinalEvaluation, events_of: EventsOf) -> Path:
    """Write ``tensorboard/<candidate>`` and ``tensorboard/final/<run>`` afresh; return the folder."""
    root = record.path(FOLDER)
    shutil.rmtree(root, ignore_errors=True)
    runs = [(root / status.id, record.read(status.id, TRAIN)) for status in record.statuses()]
    runs += [
        (root / "final" / name, record.final_run(name))
        for name in (f"{label}-seed{seed}" for label in ("best", "reference", "sparse") for seed in evaluation.seeds)
    ]
    for folder, result in runs:
        if result is not None:
            events_of(folder, result)
    return root


def ppo_events(folder: Path, result: SandboxResult) -> None:
    """A PPO job's checkpoints as scalars; nothing where the result holds no training."""
    trained = result.output_of(TrainOutput)
    if trained is not None:
        write_training(folder, trained.training)


def write_training(folder: Path, training: TrainingResult) -> None:
    """One training's checkpoints as scalars: evaluation fitness and return, training return, components."""
    with SummaryWriter(str(folder)) as writer:
        for checkpoint in training.checkpoints:
            step = checkpoint.step
            writer.add_scalar("eval/fitness", checkpoint.eval_fitness, step)
            writer.add_scalar("eval/return", checkpoint.eval_return, step)
            writer.add_scalar("eval/episode_length", checkpoint.eval_episode_length, step)
            if checkpoint.train_return is not None:
                writer.add_scalar("train/return", checkpoint.train_return, step)
            for name, value in checkpoint.components.items():
                writer.add_scalar(f"components/{name}", value, step)
