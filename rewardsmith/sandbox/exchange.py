"""The host's side of the job-directory exchange: write a job, check it, read back its result and log.

The host writes a job directory (:func:`prepare_job`), a backend runs the trusted runner on it, and
the host reads back ``result.json`` (:func:`read_result`). Whatever is in the output directory was
reachable from untrusted code, so it is read with a size cap, without following links, validated
with pydantic, and a bad file becomes an ``invalid_result`` failure rather than an exception.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from rewardsmith.sandbox import failures
from rewardsmith.sandbox.files import NotARegularFileError, read_untrusted
from rewardsmith.sandbox.outputs import OUTPUT_NOUNS
from rewardsmith.sandbox.schema import JOB_FILE, RESULT_FILE, Failure, RunnerResult, SandboxJob, clean_text


def prepare_job(job: SandboxJob, reward_code: str, job_dir: Path) -> Path:
    """Write a job directory: ``job.json`` and the candidate's reward file.

    Args:
        job: The job to run.
        reward_code: The candidate, as raw designer text or code (the runner extracts the code).
        job_dir: The directory to write; created if missing.

    Returns:
        ``job_dir``.
    """
    job_dir.mkdir(parents=True, exist_ok=True)
    (job_dir / JOB_FILE).write_text(job.model_dump_json(indent=2))
    (job_dir / job.reward_file).write_text(reward_code)
    # Readable by anyone: container backends run the job as an unprivileged uid, and mkdtemp makes 0700 dirs.
    job_dir.chmod(0o755)
    for name in (JOB_FILE, job.reward_file):
        (job_dir / name).chmod(0o644)
    return job_dir


def check_job_dir(job: SandboxJob, job_dir: Path) -> Failure | None:
    """A failure when ``job_dir`` does not hold ``job``: the runner would run something else."""
    try:
        written = SandboxJob.model_validate_json((job_dir / JOB_FILE).read_bytes())
    except (OSError, ValidationError) as error:
        return failures.sandbox_error(f"{job_dir / JOB_FILE} is missing or invalid ({type(error).__name__}).")
    if written != job:
        return failures.sandbox_error(f"{job_dir / JOB_FILE} holds another job than the one asked to run.")
    if not (job_dir / job.reward_file).is_file():
        return failures.sandbox_error(f"the reward file {job.reward_file} is missing from {job_dir}.")
    return None


def read_result(out_dir: Path, job: SandboxJob) -> RunnerResult | Failure:
    """Read and validate the runner's ``result.json``; never raises.

    Args:
        out_dir: The job's output directory.
        job: The job the result must belong to.

    Returns:
        The validated result, or an ``invalid_result`` failure saying why it cannot be used (without
        quoting the file, whose content is untrusted).
    """
    try:
        data = _read_capped(out_dir / RESULT_FILE, job.limits.max_result_bytes)
    except _UnusableResultError as error:
        return failures.invalid_result(str(error))
    try:
        result = RunnerResult.model_validate_json(data)
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "the top level"
        return failures.invalid_result(f"result.json does not match the result schema (at {where}: {first['type']})")
    if result.job_id != job.id:
        return failures.invalid_result("result.json belongs to another job")
    kind = job.job.kind
    if result.ok and (result.output is None or result.output.kind != kind):
        return failures.invalid_result(f"result.json reports success without a {OUTPUT_NOUNS[kind]} result")
    return result


def read_log_tail(path: Path, limit: int) -> str:
    """The last ``limit`` bytes of a log file, decoded leniently and cleaned; empty if unreadable."""
    try:
        with path.open("rb") as log:
            size = log.seek(0, os.SEEK_END)
            log.seek(max(0, size - limit))
            tail = log.read(limit)
    except OSError:
        return ""
    return clean_text(tail.decode("utf-8", errors="replace"), limit)


class _UnusableResultError(Exception):
    """The result file cannot be read; the message says why without quoting it."""


def _read_capped(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes."""
    try:
        data = read_untrusted(path, limit + 1)
    except FileNotFoundError:
        raise _UnusableResultError("the job wrote no result.json") from None
    except NotARegularFileError:
        raise _UnusableResultError("result.json is not a regular file") from None
    except OSError as error:
        raise _UnusableResultError(f"result.json cannot be opened ({os.strerror(error.errno or 0)})") from None
    if len(data) > limit:
        raise _UnusableResultError(f"result.json is larger than the {limit}-byte limit")
    return data
