"""The text job kinds inside the runner: load a text reward, verify it, and train GRPO on it.

A reward that raises, returns a non-finite number or a list of the wrong length raises the text
contract's typed error (:class:`~rewardsmith.rewards.errors.RewardContractError`), which the runner
reports as a failure of that kind, as it does for control rewards.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rewardsmith.sandbox.outputs import TextTrainOutput, TextVerifyOutput
from rewardsmith.sandbox.schema import TextTrainJob, TextVerifyJob
from rewardsmith.text.artefact import RubricReward, load_rubric
from rewardsmith.text.contract import TextReward, load_text_reward
from rewardsmith.text.judge import judge_for
from rewardsmith.text.training import train_text
from rewardsmith.text.verify import verify_text_reward

#: Solutions a text train job scores before training: enough to catch a contract breach, in well under a second.
PRE_TRAIN_SOLUTIONS = 8


def load_text_reward_file(reward_file: Path, workdir: Path, judge: str | None) -> TextReward | RubricReward:
    """The reward in ``reward_file``: verifier code, or a rubric (``.json``), with a judge where the code asks for
    one or the rubric has judge criteria (``judge``, an --llm string; the embedded model where None, loaded on
    its first verdict).

    Raises:
        RewardContractError: The code cannot be loaded.
        ArtefactError: The rubric is malformed (the host checked it before sending it).
    """
    text = reward_file.read_text(encoding="utf-8", errors="replace")
    if reward_file.suffix != ".json":
        reward = load_text_reward(text, workdir)
        if reward.asks_for_judge:
            reward.judge = judge_for(judge)
        return reward
    rubric = load_rubric(text, reward_file.name)
    return RubricReward(rubric, judge_for(judge) if rubric.needs_judge else None)


def run_text_job(
    spec: TextVerifyJob | TextTrainJob,
    reward_file: Path,
    workdir: Path,
    out_dir: Path,
    progress: Callable[[int, int], None],
) -> TextVerifyOutput | TextTrainOutput:
    """Run a text job on the reward in ``reward_file``: verifier code (its module written under ``workdir``) or
    a rubric (``.json``).

    Raises:
        RewardContractError: The reward cannot be loaded, or breaks the contract in verification or training.
        TextTaskError: The task cannot be generated.
    """
    task = spec.task.load()
    reward = load_text_reward_file(reward_file, workdir, spec.judge)
    if isinstance(spec, TextVerifyJob):
        verified = verify_text_reward(task, reward, spec.samples, solutions=spec.solutions, batch_size=spec.batch_size)
        return TextVerifyOutput(verify=verified)
    verified = verify_text_reward(task, reward, solutions=PRE_TRAIN_SOLUTIONS)
    training = train_text(spec.task, reward, spec.config, out_dir=out_dir, progress=progress)
    return TextTrainOutput(verify=verified, training=training)
