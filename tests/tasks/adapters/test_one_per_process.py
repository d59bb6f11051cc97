"""A simulator that allows one live instance per process trains, evaluates and feeds the gate's pool.

The fake Isaac Lab refuses a second environment in a process, as Isaac Sim's singleton context
does; PPO's evaluation and every probe of the pool must therefore run on the one instance the job made.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from rewardsmith.gate.pool import load_pool
from rewardsmith.gate.pool_builder import build_pool
from rewardsmith.rewards.loader import load_reward
from rewardsmith.tasks.instances import make_task
from rewardsmith.training import TrainConfig
from rewardsmith.training.ppo import train
from tests.tasks.adapters.fake_isaaclab.tasks import FakeDirectCartpole, FakeManagerCartpole

UPRIGHT = """import torch


def compute_reward(joint_pos: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    upright = torch.exp(-4.0 * joint_pos[:, 1] ** 2)
    return upright, {"upright": upright}
"""


def test_the_fake_refuses_a_second_live_environment() -> None:
    FakeDirectCartpole(num_envs=2)
    with pytest.raises(RuntimeError, match="Simulation context already exists"):
        FakeDirectCartpole(num_envs=2)


def test_every_request_in_a_process_gets_its_one_instance_reseeded() -> None:
    first = make_task(FakeDirectCartpole, num_envs=6, seed=1)
    again = make_task(FakeDirectCartpole, num_envs=2, seed=1)
    assert again is first and again.num_envs == 6
    assert torch.equal(first.reset(), make_task(FakeDirectCartpole, num_envs=6, seed=1).reset())


@pytest.mark.parametrize("task_class", [FakeDirectCartpole, FakeManagerCartpole])
def test_ppo_trains_and_evaluates_on_the_one_instance(task_class: type, tmp_path: Path) -> None:
    reward = load_reward(
        UPRIGHT.replace("joint_pos", task_class.spec.state_variables[0].name), task_class.spec, tmp_path
    )
    config = TrainConfig(steps=1_024, num_envs=16, rollouts=32, checkpoints=2, record_episodes=2, device="cpu")
    result = train(task_class, reward, config, out_dir=tmp_path / "run")
    assert len(result.checkpoints) == 2 and result.steps == 1_024
    assert all(math.isfinite(checkpoint.eval_fitness) for checkpoint in result.checkpoints)
    assert (tmp_path / "run" / "episodes" / "checkpoint_01.npz").is_file()


def test_the_gates_pool_is_recorded_on_the_one_instance(tmp_path: Path) -> None:
    build_pool(FakeDirectCartpole, "isaaclab_cartpole_direct", [], tmp_path, seed=0)
    pool, arrays = load_pool(tmp_path)
    assert {t.kind for t in pool.trajectories} >= {"random", "probe"}
    assert len(arrays["length"]) == len(pool.trajectories)
