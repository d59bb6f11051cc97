"""Train jobs whose reported fitness is confirmed by a second job that loads no reward code (host side).

The runner and the candidate share a process, so a candidate can write a well-formed result of its
own and exit; the sandbox keeps it from harming the host, not from lying. The lie that matters is
fitness, which selection and the final score rest on. So after a train job succeeds, a ``rescore``
job evaluates the policy it saved, on the same evaluation episodes, with no candidate code in its
process; a reported fitness that differs from the re-measured one makes the result invalid.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, Field

from rewardsmith.rewards.rubric import DEFAULT_GOAL_FLAG, Rubric
from rewardsmith.sandbox import failures
from rewardsmith.sandbox.artefacts import ArtefactTooLargeError, artefact_path, read_artefact
from rewardsmith.sandbox.base import ProgressFn, Sandbox
from rewardsmith.sandbox.exchange import prepare_job
from rewardsmith.sandbox.outputs import Rescore, RescoreOutput, TrainOutput
from rewardsmith.sandbox.schema import RescoreJob, SandboxJob, SandboxResult, TrainJob

#: The largest policy file a rescore job is given; this project's networks are well under 1 MiB.
MAX_POLICY_BYTES = 64 << 20
# Re-evaluation repeats training's evaluation exactly (same seed, episodes, device and threads); this
# only absorbs the float formatting of the result.
_RELATIVE_TOLERANCE = 1e-6
_ABSOLUTE_TOLERANCE = 1e-6
_RESCORE_WALL_S = 600.0


def run_confirmed(
    sandbox: Sandbox,
    job: SandboxJob,
    job_dir: Path,
    out_dir: Path,
    on_progress: ProgressFn | None = None,
    check: Confirmation | None = None,
) -> SandboxResult:
    """Run ``job``; when it is a train job that succeeded, confirm its fitness (see the module docstring).

    ``check`` asks the confirming job to also record episodes of the trusted re-run and evaluate a
    rubric's machine checks on them; both come back in ``confirmation``.

    Returns:
        The job's result with ``confirmed_fitness`` set, or, when the fitness cannot be confirmed, the
        same result turned into an ``invalid_result`` failure that says why.
    """
    result = sandbox.run(job, job_dir, out_dir, on_progress)
    if not isinstance(job.job, TrainJob) or not result.ok or result.output_of(TrainOutput) is None:
        return result
    return confirm_fitness(sandbox, job, result, rescore_dir_for(job_dir), out_dir, check)


class Confirmation(BaseModel):
    """What a confirming job records besides the fitness."""

    record: int = Field(default=4, ge=0, description="Episodes of the re-run policy to save whole.")
    rubric: Rubric | None = Field(default=None, description="The spec whose machine checks run on them.")
    goal_flag: str = DEFAULT_GOAL_FLAG


def rescore_dir_for(job_dir: Path) -> Path:
    """The job dir :func:`run_confirmed` gives the confirming job of the train job in ``job_dir``."""
    return job_dir.parent / f"{job_dir.name}-rescore"


def rescore_out_dir(rescore_dir: Path) -> Path:
    """Where the confirming job of ``rescore_dir`` writes (its recorded episodes among others)."""
    return rescore_dir.parent / f"{rescore_dir.name}-out"


def confirmed_episodes(job_dir: Path, confirmation: Rescore) -> Path | None:
    """The episodes that the confirming job of the train job in ``job_dir`` recorded, where there are any."""
    if confirmation.episode_file is None:
        return None
    try:
        return artefact_path(
            rescore_out_dir(rescore_dir_for(job_dir)), confirmation.episode_file, confirmation.artefacts()
        )
    except OSError:
        return None


def confirm_fitness(
    sandbox: Sandbox,
    job: SandboxJob,
    result: SandboxResult,
    rescore_dir: Path,
    out_dir: Path,
    check: Confirmation | None = None,
) -> SandboxResult:
    """Re-measure the fitness of the policy a successful train job saved in ``out_dir``."""
    trained = result.output_of(TrainOutput)
    assert isinstance(job.job, TrainJob) and trained is not None
    training = trained.training
    if training.policy_file is None:
        return _invalid(result, "the job reported a trained policy but saved none")
    try:
        policy = read_artefact(out_dir, training.policy_file, trained.artefacts(), MAX_POLICY_BYTES)
    except ArtefactTooLargeError:
        return _invalid(result, f"the saved policy file is larger than {MAX_POLICY_BYTES >> 20} MiB")
    except OSError:
        return _invalid(result, "the saved policy file is missing or not a regular file")
    rescore_job = SandboxJob(
        id=f"{job.id}-rescore"[:128],
        job=RescoreJob(task=job.job.task, config=job.job.config, **(check.model_dump() if check else {})),
        limits=job.limits.model_copy(update={"wall_time_s": min(job.limits.wall_time_s, _RESCORE_WALL_S)}),
    )
    prepare_job(rescore_job, "# a rescore job loads no reward\n", rescore_dir)
    (rescore_dir / rescore_job.job.policy_file).write_bytes(policy)
    (rescore_dir / rescore_job.job.policy_file).chmod(0o644)
    rescored = sandbox.run(rescore_job, rescore_dir, rescore_out_dir(rescore_dir))
    remeasured = rescored.output_of(RescoreOutput)
    if not rescored.ok or remeasured is None:
        reason = rescored.failure.message.split(". Reward code")[0] if rescored.failure else "no result"
        return _invalid(result, f"its saved policy could not be re-evaluated: {reason}")
    measured = remeasured.rescore.fitness
    if not math.isclose(measured, training.fitness, rel_tol=_RELATIVE_TOLERANCE, abs_tol=_ABSOLUTE_TOLERANCE):
        return _invalid(
            result,
            f"it reported fitness {training.fitness:.6g}, but its saved policy scores {measured:.6g} when "
            "re-evaluated without the reward code",
        )
    return result.model_copy(update={"confirmed_fitness": measured, "confirmation": remeasured.rescore})


def _invalid(result: SandboxResult, reason: str) -> SandboxResult:
    # The claimed training result stays, for the record; ok=False keeps it from being used.
    return result.model_copy(update={"ok": False, "failure": failures.invalid_result(reason)})
