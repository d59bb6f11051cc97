"""The host's side, in-process: reading untrusted results and progress, settling outcomes, the factory."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from rewardsmith.rewards import VerifyResult
from rewardsmith.sandbox import (
    FAILURE_KINDS,
    PROGRESS_FILE,
    RESULT_FILE,
    Failure,
    ProcessSandbox,
    RunnerResult,
    SandboxJob,
    SandboxLimits,
    TrainJob,
    VerifyJob,
    prepare_job,
    read_result,
    settle,
)
from rewardsmith.sandbox.outputs import VerifyOutput
from rewardsmith.sandbox.progress import ProgressReader
from rewardsmith.sandbox.schema import MAX_FAILURE_CHARS
from rewardsmith.training import TrainConfig
from tests.sandbox import candidates as c

JOB = SandboxJob(id="job-1", job=VerifyJob(task="cartpole"))


def _write(out_dir: Path, payload: dict | str) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    text = payload if isinstance(payload, str) else json.dumps(payload)
    (out_dir / RESULT_FILE).write_text(text)


def _failed(job_id: str = "job-1", message: str = "it broke") -> dict:
    return {"job_id": job_id, "ok": False, "failure": {"kind": "non_finite", "message": message}}


# ---- reading result.json -------------------------------------------------------------------------


def test_a_valid_result_is_read(tmp_path: Path) -> None:
    _write(tmp_path, _failed())
    result = read_result(tmp_path, JOB)
    assert isinstance(result, RunnerResult)
    assert result.failure is not None and result.failure.kind == "non_finite"


@pytest.mark.parametrize(
    ("plant", "reason"),
    [
        (lambda out: None, "no result.json"),
        (lambda out: _write(out, "{" + " " * (2 << 20) + "}"), "larger than"),
        (lambda out: _write(out, "not json"), "does not match"),
        (lambda out: _write(out, {"job_id": "job-1", "ok": True}), "does not match"),
        (lambda out: _write(out, {**_failed(), "failure": {"kind": "made_up", "message": "x"}}), "does not match"),
        (lambda out: _write(out, _failed(job_id="job-2")), "another job"),
        (lambda out: _write(out, {"job_id": "job-1", "ok": True, "training": None, "verify": None}), "does not match"),
        (lambda out: (out / RESULT_FILE).symlink_to("/etc/hostname"), "cannot be opened"),
        (lambda out: os.mkfifo(out / RESULT_FILE), "not a regular file"),
        (lambda out: (out / RESULT_FILE).mkdir(), "not a regular file"),
        (lambda out: (out / RESULT_FILE).write_bytes(b"\xff\xfe{"), "does not match"),
    ],
    ids=[
        "missing",
        "oversized",
        "not-json",
        "no-payload",
        "unknown-kind",
        "other-job",
        "null-payloads",
        "symlink",
        "fifo",
        "directory",
        "not-utf8",
    ],
)
def test_an_unusable_result_is_an_invalid_result_failure_not_an_exception(
    tmp_path: Path, plant: object, reason: str
) -> None:
    tmp_path.mkdir(exist_ok=True)
    plant(tmp_path)  # type: ignore[operator]
    failure = read_result(tmp_path, JOB)
    assert isinstance(failure, Failure)
    assert failure.kind == "invalid_result"
    assert reason in failure.message


def test_a_train_job_result_must_carry_training(tmp_path: Path) -> None:
    job = SandboxJob(id="job-1", job=TrainJob(task="cartpole"))
    verify = VerifyResult(
        ok=True,
        task="cartpole",
        reward_sha256="0" * 64,
        parameters=("pole_angle",),
        max_ms_per_call=5.0,
        calls=1,
        num_envs=1,
        device="cpu",
        states_sampled=1,
        terminal_states=0,
    )
    _write(tmp_path, RunnerResult(job_id="job-1", ok=True, output=VerifyOutput(verify=verify)).model_dump_json())
    failure = read_result(tmp_path, job)
    assert isinstance(failure, Failure) and "without a training result" in failure.message


def test_untrusted_text_is_cleaned_and_capped(tmp_path: Path) -> None:
    _write(tmp_path, _failed(message="\x1b[31mred\x1b[0m\x07 " + "y" * 5000))
    result = read_result(tmp_path, JOB)
    assert isinstance(result, RunnerResult) and result.failure is not None
    message = result.failure.message
    assert message.startswith("red ") and "\x1b" not in message and "\x07" not in message
    assert len(message) == MAX_FAILURE_CHARS


# ---- settling an outcome -------------------------------------------------------------------------


def test_a_result_file_after_an_unclean_exit_is_ignored(tmp_path: Path) -> None:
    _write(tmp_path, {"job_id": "job-1", "ok": False, "failure": {"kind": "too_slow", "message": "forged"}})
    outcome = settle(JOB, tmp_path, exit_code=3, signal_number=None, timed_out=False)
    assert outcome.failure is not None and outcome.failure.kind == "crashed"
    assert "forged" not in outcome.failure.message


@pytest.mark.parametrize(
    ("signal_number", "cpu_time_s", "kind"),
    [
        (signal.SIGSEGV, 1.0, "crashed"),
        (signal.SIGABRT, 1.0, "crashed"),
        (signal.SIGKILL, 1.0, "out_of_memory"),
        (signal.SIGKILL, 1e9, "timeout"),
        (signal.SIGXCPU, 1e9, "timeout"),
    ],
)
def test_signals_are_classified(tmp_path: Path, signal_number: int, cpu_time_s: float, kind: str) -> None:
    outcome = settle(JOB, tmp_path, exit_code=None, signal_number=signal_number, timed_out=False, cpu_time_s=cpu_time_s)
    assert outcome.failure is not None and outcome.failure.kind == kind


def test_a_timed_out_job_is_a_timeout_whatever_else_its_runner_said(tmp_path: Path) -> None:
    _write(tmp_path, _failed())
    outcome = settle(JOB, tmp_path, exit_code=0, signal_number=None, timed_out=True)
    assert outcome.failure is not None and outcome.failure.kind == "timeout"


def test_a_timed_out_job_without_a_result_is_a_timeout(tmp_path: Path) -> None:
    outcome = settle(JOB, tmp_path, exit_code=None, signal_number=signal.SIGKILL, timed_out=True)
    assert outcome.failure is not None and outcome.failure.kind == "timeout"
    assert "wall-clock" in outcome.failure.message


# ---- progress ------------------------------------------------------------------------------------


def test_progress_lines_are_validated_and_partial_lines_wait(tmp_path: Path) -> None:
    path = tmp_path / PROGRESS_FILE
    seen: list[tuple[int, int]] = []
    reader = ProgressReader(path, lambda steps, total: seen.append((steps, total)))
    reader.poll()  # no file yet
    path.write_text('{"steps": 1, "total": 4}\nnot json\n{"steps": -1, "total": 4}\n' + "z" * 1000 + '\n{"steps": 2,')
    reader.poll()
    assert seen == [(1, 4)]
    with path.open("a") as handle:
        handle.write(' "total": 4}\n')
    reader.poll()
    assert seen == [(1, 4), (2, 4)]


# ---- jobs, factory, protocol ---------------------------------------------------------------------


def test_prepare_job_writes_a_readable_job_dir(tmp_path: Path) -> None:
    job_dir = prepare_job(JOB, c.GOOD, tmp_path / "job")
    assert SandboxJob.model_validate_json((job_dir / "job.json").read_text()) == JOB
    assert (job_dir / JOB.reward_file).read_text() == c.GOOD
    assert job_dir.stat().st_mode & 0o777 == 0o755


def test_a_job_dir_holding_another_job_is_refused_before_anything_runs(tmp_path: Path) -> None:
    job_dir = prepare_job(JOB, c.GOOD, tmp_path / "job")
    other = JOB.model_copy(update={"id": "job-2"})
    result = ProcessSandbox(scratch_root=tmp_path / "scratch").run(other, job_dir, tmp_path / "out")
    assert result.failure is not None and result.failure.kind == "sandbox_error"
    assert result.pid is None


def test_job_ids_and_reward_files_are_plain_names() -> None:
    with pytest.raises(ValueError, match="pattern"):
        SandboxJob(id="../escape", job=VerifyJob(task="cartpole"))
    with pytest.raises(ValueError, match="pattern"):
        SandboxJob(id="ok", job=VerifyJob(task="cartpole"), reward_file="/etc/passwd")


def test_job_spec_is_discriminated_by_kind() -> None:
    job = SandboxJob.model_validate_json(
        SandboxJob(id="t", job=TrainJob(task="cartpole", config=TrainConfig(steps=10))).model_dump_json()
    )
    assert isinstance(job.job, TrainJob) and job.job.config.steps == 10


def test_cpu_limit_defaults_to_wall_time_times_threads() -> None:
    assert SandboxLimits(wall_time_s=10, threads=3).effective_cpu_time_s == 30
    assert SandboxLimits(wall_time_s=10, cpu_time_s=4).effective_cpu_time_s == 4


def test_failure_kinds_cover_reward_training_and_sandbox_errors() -> None:
    for kind in ("syntax_error", "non_finite_reward", "timeout", "out_of_memory", "crashed", "invalid_result"):
        assert kind in FAILURE_KINDS
