"""The sandbox's data at its boundaries: the job going in, the result coming out.

A :class:`SandboxJob` is written to ``job.json`` in the job directory by the host. The runner inside
the sandbox writes a :class:`RunnerResult` to ``result.json``, whose output is of the job's kind (see
:mod:`~rewardsmith.sandbox.outputs`); the host validates it, treating every string in it as untrusted,
and adds what only the host can know (exit status, wall time, log tail) to make a :class:`SandboxResult`.
"""

from __future__ import annotations

import inspect
import re
from typing import Annotated, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rewardsmith.rewards import ErrorKind, verify_reward
from rewardsmith.rewards.rubric import DEFAULT_GOAL_FLAG, Rubric
from rewardsmith.sandbox.outputs import JobOutput, Rescore
from rewardsmith.sandbox.probe import ProbeJob
from rewardsmith.text.training.config import TextTaskRef, TextTrainConfig
from rewardsmith.text.verify import TextCompletion
from rewardsmith.training import TrainConfig, TrainingErrorKind

#: Names of the files the host and the runner exchange.
JOB_FILE = "job.json"
RESULT_FILE = "result.json"
PROGRESS_FILE = "progress.jsonl"
#: The runner's exit status right after it wrote result.json; after any other ending the host ignores the file.
EXIT_REPORTED = 0


SandboxErrorKind = Literal["timeout", "out_of_memory", "crashed", "invalid_result", "sandbox_error"]
"""Failures of the job as a process, whatever the reward code did."""

FailureKind = Literal[ErrorKind, TrainingErrorKind, SandboxErrorKind]
FAILURE_KINDS: tuple[str, ...] = get_args(FailureKind)

#: Failure messages go into prompts; a few short lines is all a designer needs.
MAX_FAILURE_CHARS = 1500

# A plain name inside one directory: no separators, no leading dot, nothing a shell would expand.
_PLAIN_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
# Terminal escape sequences and control characters would let untrusted text restyle a terminal or a prompt.
_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# verify_reward declares these defaults; a verify job takes them from there rather than repeating them.
_VERIFY_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(verify_reward).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY
}


def clean_text(text: str, limit: int) -> str:
    """Make untrusted text safe to show: control characters removed, cut to ``limit`` characters.

    Args:
        text: Text from inside a sandbox (a message, a log).
        limit: The most characters to keep; longer text is cut and ends with an ellipsis.

    Returns:
        The cleaned text; newlines and tabs are kept.
    """
    text = _CONTROL.sub("", _ESCAPE.sub("", text))
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


class SandboxLimits(BaseModel):
    """Resource limits of one sandboxed job."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    wall_time_s: float = Field(
        default=3600.0,
        gt=0,
        description="Wall-clock limit, start-up included (about 3 s to import torch); the job is killed after it. "
        "Verify jobs need a few seconds, so give them a much smaller limit than training.",
    )
    cpu_time_s: float | None = Field(
        default=None,
        gt=0,
        description="CPU-time limit over all threads; None means wall_time_s × threads. A backstop that ends the "
        "job even when no host is left to watch the wall clock.",
    )
    # Measured on 2 cores with torch 2.13 (CPU build): importing torch, skrl and rewardsmith maps about
    # 650 MB of address space; PPO on any built-in task peaks at 760 MB with 1 torch thread, 860 MB with
    # 4096 envs, 850 MB with 2 threads and 1.3 GB with 8 (glibc reserves a 64 MB malloc arena per thread).
    # 4 GiB leaves 3x headroom over the worst of these and still fails a runaway allocation at once.
    memory_mb: int | None = Field(
        default=4096,
        gt=0,
        description="Address-space limit in MiB (RLIMIT_AS), or None for none. Not applied to jobs on CUDA, "
        "whose driver maps far more address space than it uses; GPU memory is bounded by the card there.",
    )
    file_size_mb: int = Field(
        default=256, gt=0, description="Largest file the job may write, in MiB (logs and artefacts included)."
    )
    max_result_bytes: int = Field(
        default=1 << 20, ge=4096, description="Largest result.json the host will read; a bigger one is invalid."
    )
    max_log_bytes: int = Field(
        default=64 << 10, ge=1024, description="Printed output kept per stream, and the size of the log tail."
    )
    threads: int = Field(default=1, ge=1, description="Torch (and OpenMP/BLAS) threads inside the job.")

    @property
    def effective_cpu_time_s(self) -> float:
        """The CPU-time limit that applies: :attr:`cpu_time_s`, or wall time × threads."""
        return self.cpu_time_s if self.cpu_time_s is not None else self.wall_time_s * self.threads


class VerifyJob(BaseModel):
    """Verify a candidate reward on sampled states (``rewardsmith.rewards.verify_reward``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["verify"] = "verify"
    task: str = Field(description="Task reference: a registry name or path/file.py:ClassName.")
    num_envs: int = Field(default=_VERIFY_DEFAULTS["num_envs"], gt=0, description="Environments per call.")
    steps: int = Field(default=_VERIFY_DEFAULTS["steps"], gt=0, description="Steps of random play.")
    seed: int = Field(default=_VERIFY_DEFAULTS["seed"], ge=0, description="Seed of states and actions.")
    max_ms_per_call: float = Field(
        default=_VERIFY_DEFAULTS["max_ms_per_call"], gt=0, description="Limit on the median time per call, ms."
    )
    device: str = Field(default=_VERIFY_DEFAULTS["device"], description="Device of the task and the reward.")
    pool_file: str | None = Field(
        default=None,
        pattern=_PLAIN_NAME,
        description="A trajectory pool's pool.npz in the job dir; the reward's return on each of its trajectories "
        "comes back for the gate.",
    )


class TrainJob(BaseModel):
    """Train PPO on a candidate reward (``rewardsmith.training.train``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["train"] = "train"
    task: str = Field(description="Task reference: a registry name or path/file.py:ClassName.")
    config: TrainConfig = Field(default_factory=TrainConfig, description="The PPO run's settings.")


#: Where a rescore job saves the episodes it records, in its out dir.
RESCORE_EPISODES = "rescore_episodes.npz"


class RescoreJob(BaseModel):
    """Re-evaluate a train job's saved policy with no reward code loaded (``rewardsmith.training.rescore``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["rescore"] = "rescore"
    task: str = Field(description="Task reference: a registry name or path/file.py:ClassName.")
    config: TrainConfig = Field(description="The train job's config: seed, evaluation episodes, network, device.")
    policy_file: str = Field(default="policy.pt", pattern=_PLAIN_NAME, description="The policy, in the job dir.")
    record: int = Field(default=0, ge=0, description="Evaluation episodes to save whole to the out dir.")
    rubric: Rubric | None = Field(
        default=None, description="A spec whose machine checks run on the recorded episodes (needs record > 0)."
    )
    goal_flag: str = Field(default=DEFAULT_GOAL_FLAG, description="The variable that defines time_to_goal.")


class _TextJob(BaseModel):
    """What every text job names: the task, and the judge of a rubric's judge criteria."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task: TextTaskRef = Field(description="The built-in text task, generated inside the job from its seed.")
    judge: str | None = Field(
        default=None,
        description="The judge of a rubric reward's judge criteria, as an --llm string; None: the embedded model. "
        "A container has no network, so a judge behind a server reaches it only from an unisolated backend.",
    )


class TextVerifyJob(_TextJob):
    """Score a text reward on a text task's solutions and sample completions (``rewardsmith.text.verify``)."""

    kind: Literal["text_verify"] = "text_verify"
    solutions: int | None = Field(
        default=None, ge=0, description="Training solutions scored, the first ones; None for all."
    )
    samples: list[TextCompletion] = Field(
        default_factory=list, description="Completions to score besides the solutions (the current policy's)."
    )
    batch_size: int | None = Field(
        default=None, gt=0, description="Completions per call of the reward, in order; None for one call."
    )


class TextTrainJob(_TextJob):
    """Train the embedded model with GRPO on a text reward (``rewardsmith.text.training.train_text``)."""

    kind: Literal["text_train"] = "text_train"
    config: TextTrainConfig = Field(default_factory=TextTrainConfig, description="The GRPO run's settings.")


JobSpec = Annotated[
    VerifyJob | TrainJob | ProbeJob | RescoreJob | TextVerifyJob | TextTrainJob, Field(discriminator="kind")
]


class SandboxJob(BaseModel):
    """One job: what to run, on which reward file, under which limits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=_PLAIN_NAME, description="Unique id, used in names of files and processes.")
    job: JobSpec = Field(description="Verify, train, re-score a trained policy, or probe the sandbox.")
    reward_file: str = Field(
        default="reward.py", pattern=_PLAIN_NAME, description="The candidate's file, a name inside the job dir."
    )
    limits: SandboxLimits = Field(default_factory=SandboxLimits, description="Resource limits.")

    def control_task(self) -> str | None:
        """The control task reference the job loads (a task file there needs a mount); None for other kinds."""
        match self.job:
            case VerifyJob(task=task) | TrainJob(task=task) | RescoreJob(task=task):
                return task
            case _:
                return None

    def input_files(self) -> list[str]:
        """The files the job reads from its job dir, job.json first."""
        match self.job:
            case RescoreJob(policy_file=policy_file):
                given = [policy_file]
            case VerifyJob(pool_file=str() as pool_file):
                given = [pool_file]
            case _:
                given = []
        return [JOB_FILE, self.reward_file, *given]


class Failure(BaseModel):
    """Why a job did not succeed, written for the designer LLM: what happened and what to change."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FailureKind = Field(description="Stable category: a reward error, a training error or a sandbox error.")
    message: str = Field(description="One or a few short lines; never a traceback.")
    step: int | None = Field(default=None, description="Training step the failure happened at, when known.")

    @field_validator("message")
    @classmethod
    def _clean(cls, message: str) -> str:
        # Messages may come from inside the sandbox: cut and cleaned here so every reader gets safe text.
        return clean_text(message, MAX_FAILURE_CHARS)


_Output = TypeVar("_Output", bound=BaseModel)


class RunnerResult(BaseModel):
    """What the runner inside the sandbox reports, in ``result.json``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    job_id: str = Field(description="The job's id.")
    ok: bool = Field(description="True when the job succeeded; then failure is None.")
    failure: Failure | None = Field(default=None, description="Why it failed.")
    # Of the job's kind when it succeeded (read_result checks that).
    output: JobOutput | None = Field(
        default=None, description="What it produced; a failed verify or train job keeps only its verification."
    )

    @model_validator(mode="after")
    def _consistent(self) -> RunnerResult:
        if self.ok != (self.failure is None):
            raise ValueError("ok must be true exactly when there is no failure")
        if self.ok and self.output is None:
            raise ValueError("a successful result carries the job's output")
        return self

    def output_of(self, kind: type[_Output]) -> _Output | None:
        """The output if it is of ``kind`` (e.g. :class:`~rewardsmith.sandbox.outputs.TrainOutput`), else None."""
        return self.output if isinstance(self.output, kind) else None

    def artefacts(self) -> tuple[str, ...]:
        """The files the output declares it left in the job's out dir for the host; none without an output."""
        return self.output.artefacts() if self.output is not None else ()


class SandboxResult(RunnerResult):
    """The outcome of one sandboxed job, as the host saw it."""

    wall_time_s: float = Field(description="Seconds from start to the end of the job, start-up included.")
    cpu_time_s: float | None = Field(default=None, description="CPU seconds of the job's main process.")
    max_rss_mb: float | None = Field(default=None, description="Peak resident memory of its main process, MiB.")
    exit_code: int | None = Field(default=None, description="Exit code, or None when killed by a signal.")
    signal: str | None = Field(default=None, description="Name of the signal that ended it, e.g. 'SIGABRT'.")
    pid: int | None = Field(default=None, description="Host PID of the job's main process (and its process group).")
    log_tail: str = Field(default="", description="The end of the job's output, cleaned and capped.")
    backend: str = Field(description="The sandbox backend that ran it.")
    confirmed_fitness: float | None = Field(
        default=None,
        description="Train jobs: the saved policy's fitness re-measured by a job that loaded no reward code; "
        "a result whose reported fitness differs is rejected as invalid.",
    )
    confirmation: Rescore | None = Field(
        default=None,
        description="Train jobs: the confirming job's result, with its own recorded episodes and rubric checks.",
    )
