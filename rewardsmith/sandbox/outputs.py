"""What each kind of job produces: one model per job kind, told apart by ``kind`` as the jobs are.

A job's output also declares the files it leaves for the host in its output directory
(:meth:`artefacts`): the train job's policy and recorded episodes, a rescore job's episodes. Those,
and nothing else, are what a backend must bring back and what a reader may open; see
:mod:`rewardsmith.sandbox.artefacts`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.gate.pool import PoolScores
from rewardsmith.rewards import VerifyResult
from rewardsmith.rewards.rubric import RubricCheckResult
from rewardsmith.sandbox.probe import Confinement
from rewardsmith.text.training.result import TextTrainingResult
from rewardsmith.text.verify import TextVerifyResult
from rewardsmith.training import TrainingResult

JobKind = Literal["verify", "train", "rescore", "probe", "text_verify", "text_train"]
"""The kinds of sandbox job; a job and its output carry the same one."""


class Rescore(BaseModel):
    """A saved policy's fitness, measured by a job that loaded no candidate code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fitness: float = Field(description="Mean task fitness over the evaluation episodes.")
    episodes: int = Field(description="Evaluation episodes.")
    episode_file: str | None = Field(default=None, description="The recorded episodes, in the job's out dir.")
    rubric_results: list[RubricCheckResult] = Field(
        default_factory=list, description="The rubric's machine checks on the recorded episodes."
    )

    def artefacts(self) -> tuple[str, ...]:
        """The files this re-measurement left in its job's out dir: the recorded episodes, if any."""
        return (self.episode_file,) if self.episode_file is not None else ()


def training_artefacts(training: TrainingResult) -> tuple[str, ...]:
    """The files a training run leaves in its out dir for the host: each checkpoint's episodes, the policy."""
    episodes = [checkpoint.episode_file for checkpoint in training.checkpoints if checkpoint.episode_file]
    return (*episodes, *([training.policy_file] if training.policy_file else []))


class VerifyOutput(BaseModel):
    """A verify job's output: the verification, and the reward's returns on the gate's pool if it was given one.

    It is also what a train job that failed after verifying keeps of its run.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["verify"] = "verify"
    verify: VerifyResult = Field(description="Verification of the reward on sampled states.")
    pool_scores: PoolScores | None = Field(
        default=None, description="The reward's return on each trajectory of the pool (verify jobs given one)."
    )

    def artefacts(self) -> tuple[str, ...]:
        """A verify job leaves no files for the host."""
        return ()


class TrainOutput(BaseModel):
    """A train job's output: the verification it starts with, and the PPO run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["train"] = "train"
    verify: VerifyResult = Field(description="Verification of the reward, run before training.")
    training: TrainingResult = Field(description="The training run.")

    def artefacts(self) -> tuple[str, ...]:
        """The policy and the recorded episodes, relative to the job's out dir."""
        return training_artefacts(self.training)


class RescoreOutput(BaseModel):
    """A rescore job's output: the saved policy's fitness, measured with no reward code loaded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["rescore"] = "rescore"
    rescore: Rescore = Field(description="The re-measured fitness.")

    def artefacts(self) -> tuple[str, ...]:
        """The recorded episodes, when the job was asked to record some."""
        return self.rescore.artefacts()


class ProbeOutput(BaseModel):
    """A probe job's output: the confinement measured inside the sandbox."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["probe"] = "probe"
    confinement: Confinement = Field(description="What the job could see and do.")

    def artefacts(self) -> tuple[str, ...]:
        """A probe leaves no files for the host."""
        return ()


class TextVerifyOutput(BaseModel):
    """A text verify job's output: the reward on the solutions and the samples."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["text_verify"] = "text_verify"
    verify: TextVerifyResult = Field(description="What the reward paid each completion.")

    def artefacts(self) -> tuple[str, ...]:
        """A text verify job leaves no files for the host."""
        return ()


class TextTrainOutput(BaseModel):
    """A text train job's output: the reward on the task's solutions, checked first, and the GRPO run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["text_train"] = "text_train"
    verify: TextVerifyResult = Field(description="The reward on the task's solutions, run before training.")
    training: TextTrainingResult = Field(description="The GRPO run: its learning curve and steps.")

    def artefacts(self) -> tuple[str, ...]:
        """The trained weights stay in the sandbox: the learning curve is the result."""
        return ()


JobOutput = Annotated[
    VerifyOutput | TrainOutput | RescoreOutput | ProbeOutput | TextVerifyOutput | TextTrainOutput,
    Field(discriminator="kind"),
]
"""The output of a job, of its kind."""

#: What each kind's output is called in messages ("reports success without a training result").
OUTPUT_NOUNS: dict[JobKind, str] = {
    "verify": "verify",
    "train": "training",
    "rescore": "rescore",
    "probe": "probe",
    "text_verify": "text verify",
    "text_train": "text training",
}
