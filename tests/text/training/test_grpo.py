"""The reward TRL calls in training: it records each step, and a contract breach names the step.

These call the recorder as TRL's ``GRPOTrainer`` calls its reward function, with no model; the whole run
is tested through the sandbox (``tests/sandbox/test_text_jobs.py``, ``tests/cli/test_train_text.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.rewards.errors import NonFiniteError
from rewardsmith.text.contract import load_text_reward
from rewardsmith.text.training import TextTaskRef, TextTrainConfig
from rewardsmith.text.training.grpo import RewardRecorder

TASK = TextTaskRef(name="formatting", train_size=4, held_out_size=2)
# Finite on the solutions (what the train job checks first), NaN on anything else: it fails only in training.
NAN_OFF_SOLUTIONS = """
def compute_reward(prompts, completions, answers, format, **columns):
    return [1.0 if c.startswith(("<answer>", "{")) else float("nan") for c in completions], {}
"""


def _recorder(code: str, tmp_path: Path) -> RewardRecorder:
    return RewardRecorder(TASK.load(), load_text_reward(code, tmp_path), TextTrainConfig())


def test_each_call_is_one_step_with_its_components(tmp_path: Path) -> None:
    task = TASK.load()
    assert task.reference_reward_code is not None
    recorder = _recorder(task.reference_reward_code, tmp_path)
    chat = [[{"role": "assistant", "content": task.train[0].solution}], [{"role": "assistant", "content": "no"}]]
    rewards = recorder.score(chat, [[1, 2, 3], [4]], index=[0, 0])
    assert rewards == [1.1, 0.0]
    (step,) = recorder.steps
    assert (step.step, step.reward, step.components) == (1, 0.55, {"correct": 0.5, "format": 0.05})
    assert step.mean_chars == (len(task.train[0].solution) + 2) / 2


def test_a_nan_in_training_fails_with_its_kind_and_step(tmp_path: Path) -> None:
    recorder = _recorder(NAN_OFF_SOLUTIONS, tmp_path)
    assert recorder.score(["<answer>1</answer>", "{}"], [[1], [2]], index=[0, 1]) == [1.0, 1.0]
    with pytest.raises(NonFiniteError, match="It happened at training step 2"):
        recorder.score(["<answer>1</answer>", "I do not know"], [[1], [2]], index=[2, 3])
