"""TensorBoard event files for every training of a run, so that ``tensorboard --logdir runs/`` shows them.

They are written from the typed training results, for people; nothing in rewardsmith reads them back.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from torch.utils.tensorboard import SummaryWriter

from rewardsmith.loop.record import TRAIN, RunRecord
from rewardsmith.loop.results import FinalEvaluation
from rewardsmith.sandbox import SandboxResult, TrainOutput
from rewardsmith.training.result import TrainingResult

FOLDER = "tensorboard"


def write_events(record: RunRecord, evaluation: FinalEvaluation) -> Path:
    """Write ``tensorboard/<candidate>`` and ``tensorboard/final/<run>`` afresh; return the folder."""
    root = record.path(FOLDER)
    shutil.rmtree(root, ignore_errors=True)
    for status in record.statuses():
        _write(root / status.id, record.read(status.id, TRAIN))
    for label in ("best", "reference", "sparse"):
        for seed in evaluation.seeds:
            name = f"{label}-seed{seed}"
            _write(root / "final" / name, record.final_run(name))
    return root


def _write(folder: Path, result: SandboxResult | None) -> None:
    trained = result.output_of(TrainOutput) if result is not None else None
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
