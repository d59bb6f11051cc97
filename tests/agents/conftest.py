"""Fixtures shared by the agent tests: one tiny real PPO run of a rule-based cartpole candidate."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.agents import Candidate, RuleBasedDesigner, RuleBasedSpecWriter
from rewardsmith.rewards import load_reward
from rewardsmith.rewards.rubric import Rubric
from rewardsmith.tasks import load_task
from rewardsmith.training import TrainConfig, TrainingResult, train
from tests.agents.helpers import design_request, designed


class TrainedRun:
    """A real PPO run of the default rule-based cartpole candidate."""

    def __init__(self, candidate: Candidate, result: TrainingResult, run_dir: Path, rubric: Rubric) -> None:
        self.candidate = candidate
        self.result = result
        self.run_dir = run_dir
        self.rubric = rubric


@pytest.fixture(scope="session")
def cartpole_run(tmp_path_factory: pytest.TempPathFactory) -> TrainedRun:
    """About 10k steps of PPO on cartpole with the designer's default candidate: 3 checkpoints, 1 episode each."""
    cartpole = load_task("cartpole")
    candidate = designed(RuleBasedDesigner(), design_request(cartpole, samples=1))[0]
    run_dir = tmp_path_factory.mktemp("cartpole-run")
    reward = load_reward(candidate.code, cartpole.spec, workdir=run_dir / "reward")
    config = TrainConfig(
        steps=10_000,
        seed=0,
        device="cpu",
        num_envs=32,
        rollouts=16,
        learning_epochs=4,
        mini_batches=2,
        checkpoints=3,
        eval_episodes=4,
        record_episodes=1,
    )
    result = train(cartpole, reward, config, out_dir=run_dir)
    return TrainedRun(candidate, result, run_dir, RuleBasedSpecWriter().initial(cartpole.spec))
