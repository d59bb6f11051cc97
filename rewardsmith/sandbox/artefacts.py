"""The files a job leaves for the host, and the one way to reach them (host side).

A job's output declares its artefacts (:meth:`~rewardsmith.sandbox.schema.RunnerResult.artefacts`):
the train job's policy and recorded episodes, a rescore job's episodes. When
:meth:`Sandbox.run <rewardsmith.sandbox.base.Sandbox.run>` returns a successful result, each of those is
a regular file under the job's out dir: a backend whose runner wrote elsewhere (a warm container, a
remote machine) brings back ``result.json`` and those files, nothing else (:func:`bring_back`), and
:func:`check_declared` fails the job when one is missing. Anything else in the out dir is outside the
contract. Readers reach an artefact through :func:`artefact_path` or :func:`read_artefact`: the name
must be one the result declared and a plain relative path, no link is followed on the way to it,
and its size is capped.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection
from pathlib import Path

from rewardsmith.sandbox import failures
from rewardsmith.sandbox.files import read_beneath, size_beneath
from rewardsmith.sandbox.outputs import training_artefacts
from rewardsmith.sandbox.schema import RESULT_FILE, RunnerResult, SandboxJob
from rewardsmith.training.result import TrainingResult

#: The largest artefact a reader takes unless it says otherwise: a job's default file-size limit.
MAX_ARTEFACT_BYTES = 256 << 20
# Plain parts, each starting with a letter or digit (so never "." or ".."), a few directories deep.
_PART = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_NAME = re.compile(rf"{_PART}(?:/{_PART}){{0,3}}")


class ArtefactError(OSError):
    """An artefact cannot be used: not declared, a bad name, or too large. The message quotes no content."""


class ArtefactTooLargeError(ArtefactError):
    """An artefact is larger than the reader's cap."""


def artefact_path(out_dir: Path, name: str, declared: Collection[str], max_bytes: int = MAX_ARTEFACT_BYTES) -> Path:
    """The path of artefact ``name`` under ``out_dir``, once it is known to be safe to open.

    Call it after the job has ended (nothing can swap the file afterwards).

    Args:
        out_dir: The job's output directory.
        name: The artefact, relative to ``out_dir``, as the job's output names it.
        declared: The names the job's output declares (``output.artefacts()``).
        max_bytes: The largest file accepted.

    Raises:
        ArtefactError: ``name`` is not declared or not a plain relative path.
        ArtefactTooLargeError: The file is larger than ``max_bytes``.
        FileNotFoundError: There is no such file.
        OSError: It is not a regular file, or a link stands on the way to it.
    """
    _check_name(name, declared)
    size = size_beneath(out_dir, name)
    if size > max_bytes:
        raise ArtefactTooLargeError(f"{name} is larger than {max_bytes} bytes")
    return out_dir / name


def read_artefact(out_dir: Path, name: str, declared: Collection[str], max_bytes: int = MAX_ARTEFACT_BYTES) -> bytes:
    """The bytes of artefact ``name``; checked and raising as :func:`artefact_path`, and read in one go."""
    _check_name(name, declared)
    data = read_beneath(out_dir, name, max_bytes + 1)
    if len(data) > max_bytes:
        raise ArtefactTooLargeError(f"{name} is larger than {max_bytes} bytes")
    return data


def checkpoint_episodes(training: TrainingResult, out_dir: Path) -> list[tuple[int, Path]]:
    """``(checkpoint index, path)`` of each checkpoint's recorded episodes that a training run in ``out_dir``
    left as declared artefacts; a file that is not there, or not usable, is left out."""
    declared = training_artefacts(training)
    files = []
    for checkpoint in training.checkpoints:
        if checkpoint.episode_file is None:
            continue
        with contextlib.suppress(OSError):
            files.append((checkpoint.index, artefact_path(out_dir, checkpoint.episode_file, declared)))
    return files


def check_declared(job: SandboxJob, outcome: RunnerResult, out_dir: Path) -> RunnerResult:
    """``outcome``, or an ``invalid_result`` failure when a successful job lacks a file its output declares.

    Each declared file must be a regular file under ``out_dir``, reached without links, within the job's
    file-size limit. A failed outcome is returned as it is.
    """
    if not outcome.ok:
        return outcome
    limit = job.limits.file_size_mb << 20
    for name in outcome.artefacts():
        try:
            artefact_path(out_dir, name, outcome.artefacts(), limit)
        except OSError:
            shown = name if _NAME.fullmatch(name) else "a file with an unusable name"
            reason = f"it reports {shown} among its files, but left no such regular file within its limits"
            return RunnerResult(
                job_id=outcome.job_id, ok=False, failure=failures.invalid_result(reason), output=outcome.output
            )
    return outcome


def bring_back(job: SandboxJob, outcome: RunnerResult, results_dir: Path, out_dir: Path) -> None:
    """Copy ``result.json`` and the declared artefacts of a job whose runner wrote to ``results_dir``.

    For backends whose runner does not write to the host's out dir itself. Call it only after the
    runner reported (exit status 0), as :func:`~rewardsmith.sandbox.outcome.settle` reads the result.
    A file that is missing, linked or over its cap is left behind; :func:`check_declared` then says so.
    """
    _copy(results_dir, RESULT_FILE, out_dir, job.limits.max_result_bytes)
    for name in outcome.artefacts():
        if _NAME.fullmatch(name):
            _copy(results_dir, name, out_dir, job.limits.file_size_mb << 20)


def _check_name(name: str, declared: Collection[str]) -> None:
    if name not in declared:
        raise ArtefactError("the job's output does not declare that file")
    if not _NAME.fullmatch(name):
        raise ArtefactError("the job's output names a file that is not a plain relative path")


def _copy(source_dir: Path, name: str, target_dir: Path, limit: int) -> None:
    with contextlib.suppress(OSError):
        data = read_beneath(source_dir, name, limit + 1)
        if len(data) <= limit:
            target = target_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
