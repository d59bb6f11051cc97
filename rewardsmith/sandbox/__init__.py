"""Sandboxes: run untrusted reward code (verification and PPO training) under limits, in a trusted runner."""

from rewardsmith.sandbox.base import ProgressFn, Sandbox, check_job_dir, prepare_job, read_log_tail, read_result
from rewardsmith.sandbox.factory import BACKENDS, make_sandbox
from rewardsmith.sandbox.outcome import settle
from rewardsmith.sandbox.process import ProcessSandbox
from rewardsmith.sandbox.schema import (
    EXIT_REPORTED,
    FAILURE_KINDS,
    JOB_FILE,
    PROGRESS_FILE,
    RESULT_FILE,
    Failure,
    FailureKind,
    JobSpec,
    RunnerResult,
    SandboxErrorKind,
    SandboxJob,
    SandboxLimits,
    SandboxResult,
    TrainingErrorKind,
    TrainJob,
    VerifyJob,
)

__all__ = [
    "BACKENDS",
    "EXIT_REPORTED",
    "FAILURE_KINDS",
    "JOB_FILE",
    "PROGRESS_FILE",
    "RESULT_FILE",
    "Failure",
    "FailureKind",
    "JobSpec",
    "ProcessSandbox",
    "ProgressFn",
    "RunnerResult",
    "Sandbox",
    "SandboxErrorKind",
    "SandboxJob",
    "SandboxLimits",
    "SandboxResult",
    "TrainJob",
    "TrainingErrorKind",
    "VerifyJob",
    "check_job_dir",
    "make_sandbox",
    "prepare_job",
    "read_log_tail",
    "read_result",
    "settle",
]
