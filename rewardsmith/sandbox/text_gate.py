"""The text gate with the reward code in the sandbox: the host writes the gate's completions and judges the
rewards the sandbox returns, so reward code never runs in the host process.

The host makes the plan (:func:`~rewardsmith.text.gate.plan_text_gate`: the correct completions and each
probe's, with their trusted fitness), sends every completion in one ``text_verify`` job scored in the
plan's batches, and judges the returned rewards with :func:`~rewardsmith.text.gate.judge_text_gate`, the
same lines the in-process gate runs. A reward that raises, returns NaN, runs past its limit or cannot be
loaded gives a :class:`TextGateFailure` carrying the sandbox's typed failure.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.gate.exploits import TEXT_PROBES, TextProbeName
from rewardsmith.sandbox.base import Sandbox
from rewardsmith.sandbox.exchange import prepare_job
from rewardsmith.sandbox.outputs import TextVerifyOutput
from rewardsmith.sandbox.schema import Failure, SandboxJob, SandboxLimits, SandboxResult, TextVerifyJob
from rewardsmith.text.gate import DEFAULT_GATE_EXAMPLES, TextGatePlan, TextGateResult, judge_text_gate, plan_text_gate
from rewardsmith.text.task import Split
from rewardsmith.text.training import TextTaskRef
from rewardsmith.text.verify import TextCompletion

#: Time the gate's job may take: the reward scores a few hundred short strings, well under a second when sound.
GATE_LIMITS = SandboxLimits(wall_time_s=60)


class TextGateFailure(BaseModel):
    """The gate could not judge the reward: its job failed in the sandbox (it raised, returned NaN, timed out)."""

    model_config = ConfigDict(frozen=True)

    passed: Literal[False] = False
    failure: Failure = Field(description="The sandbox's typed failure: its kind and a message for the designer.")
    backend: str = Field(description="The sandbox backend that ran the job.")

    @property
    def reason(self) -> str:
        """One line for the designer: what failed."""
        return f"the reward failed at the gate ({self.failure.kind}): {self.failure.message.splitlines()[0]}"


def text_gate_in_sandbox(
    task: TextTaskRef,
    reward_code: str,
    sandbox: Sandbox,
    *,
    split: Split = "train",
    examples: int = DEFAULT_GATE_EXAMPLES,
    probes: Sequence[TextProbeName] = TEXT_PROBES,
    seed: int = 0,
    limits: SandboxLimits = GATE_LIMITS,
    workdir: Path | None = None,
    judge: str | None = None,
) -> TextGateResult | TextGateFailure:
    """The text gate's verdict on verifier code, scored by ``sandbox`` in one job.

    Args:
        task: The built-in task; the host and the job generate the same examples from it.
        reward_code: The verifier code (``compute_reward``), as the designer wrote it.
        sandbox: The backend that runs the job.
        split: The split whose first ``examples`` prompts the gate scores on.
        examples: How many of them.
        probes: The probes to try; all by default.
        seed: Seed of the probes' random choices.
        limits: The job's limits.
        workdir: Where the job's files go; a temporary directory, removed after, when None.
        judge: The judge of code that asks for one, as an --llm string; the embedded model where None.

    Raises:
        TextTaskError: The task cannot be generated.
        ValueError: A solution fails the task's checker.
    """
    plan = text_gate_plan(task, split=split, examples=examples, probes=probes, seed=seed)
    job = text_gate_job(task, plan, split, limits, judge)
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="text-gate-") as scratch:
            return _run(sandbox, job, reward_code, plan, Path(scratch))
    return _run(sandbox, job, reward_code, plan, workdir)


def text_gate_plan(
    task: TextTaskRef,
    *,
    split: Split = "train",
    examples: int = DEFAULT_GATE_EXAMPLES,
    probes: Sequence[TextProbeName] = TEXT_PROBES,
    seed: int = 0,
) -> TextGatePlan:
    """The gate's completions for ``task``, made on the host: the same arguments give the same plan.

    Raises:
        TextTaskError: The task cannot be generated.
        ValueError: A solution fails the task's checker.
    """
    made = task.load()
    return plan_text_gate(made, made.examples(split)[:examples], probes, seed)


def text_gate_job(
    task: TextTaskRef,
    plan: TextGatePlan,
    split: Split = "train",
    limits: SandboxLimits = GATE_LIMITS,
    judge: str | None = None,
) -> SandboxJob:
    """One ``text_verify`` job scoring every completion of ``plan``, in the plan's batches; ``judge`` grades a
    reward's judge criteria (an --llm string; the embedded model where None)."""
    # The plan's examples are the split's first ones, so a completion's position in its batch is its index.
    samples = [
        TextCompletion(example=index, text=text, split=split)
        for batch in plan.batches
        for index, text in enumerate(batch.completions)
    ]
    return SandboxJob(
        id="text-gate",
        job=TextVerifyJob(task=task, solutions=0, samples=samples, batch_size=len(plan.examples), judge=judge),
        limits=limits,
    )


def judge_text_gate_result(plan: TextGatePlan, result: SandboxResult) -> TextGateResult | TextGateFailure:
    """The gate's verdict from the job's result: the rewards it returned judged against ``plan``."""
    output = result.output_of(TextVerifyOutput)
    if not result.ok or output is None:
        failure = result.failure or Failure(kind="sandbox_error", message="the gate's job reported no result")
        return TextGateFailure(failure=failure, backend=result.backend)
    size = len(plan.examples)
    rewards = output.verify.rewards
    return judge_text_gate(plan, [rewards[i * size : (i + 1) * size] for i in range(len(plan.batches))])


def _run(
    sandbox: Sandbox, job: SandboxJob, code: str, plan: TextGatePlan, workdir: Path
) -> TextGateResult | TextGateFailure:
    return judge_text_gate_result(plan, sandbox.run(job, prepare_job(job, code, workdir / "job"), workdir / "out"))
