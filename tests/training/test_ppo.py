"""Real PPO runs on the built-in cartpole, small enough for the suite."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rewardsmith.rewards import load_reward
from rewardsmith.tasks import load_task
from rewardsmith.training import TrainConfig, TrainingError, train

CartPole = load_task("cartpole")


def alive_and_upright(state: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    alive = torch.ones_like(state["pole_angle"])
    upright = -state["pole_angle"].abs()
    return alive + upright, {"alive": alive, "upright": upright}


SMALL = TrainConfig(steps=8192, num_envs=32, rollouts=16, checkpoints=2, eval_episodes=4, record_episodes=1)


def test_seeded_run_is_reproducible(tmp_path: Path) -> None:
    first = train(CartPole, alive_and_upright, SMALL.model_copy(update={"seed": 3}), out_dir=tmp_path / "a")
    second = train(CartPole, alive_and_upright, SMALL.model_copy(update={"seed": 3}), out_dir=tmp_path / "b")
    other = train(CartPole, alive_and_upright, SMALL.model_copy(update={"seed": 4}), out_dir=tmp_path / "c")

    def curves(result):
        return [(c.eval_fitness, c.train_return, c.components) for c in result.checkpoints]

    assert curves(first) == curves(second)
    weights_a = torch.load(tmp_path / "a" / first.policy_file)
    weights_b = torch.load(tmp_path / "b" / second.policy_file)
    assert all(torch.equal(weights_a[k], weights_b[k]) for k in weights_a)
    assert curves(first) != curves(other)


def test_result_holds_curves_components_and_episode_files(tmp_path: Path) -> None:
    result = train(CartPole, alive_and_upright, SMALL, out_dir=tmp_path)

    assert result.steps >= 8192 and result.task == "cartpole"
    assert [c.index for c in result.checkpoints] == [0, 1]
    assert set(result.component_stats) == {"alive", "upright"}
    alive = result.component_stats["alive"]
    assert alive.min <= alive.mean <= alive.max
    assert (tmp_path / "training.json").is_file()
    episodes = np.load(tmp_path / result.checkpoints[-1].episode_file)
    length = int(episodes["length"][0])
    assert 1 <= length <= 500
    for key in ("state/pole_angle", "state/action", "reward/alive", "reward/upright", "reward_total"):
        trace = episodes[key][0]
        assert np.isfinite(trace[:length]).all(), key
        assert np.isnan(trace[length:]).all(), key
    # The recorded components are the reward evaluated on the recorded states.
    np.testing.assert_allclose(
        episodes["reward/upright"][0][:length], -np.abs(episodes["state/pole_angle"][0][:length]), rtol=1e-6
    )


def test_reference_reward_solves_cartpole_quickly(tmp_path: Path) -> None:
    reward = load_reward(CartPole.spec.reference_reward_code, CartPole.spec, workdir=tmp_path)
    result = train(CartPole, reward, TrainConfig(steps=200_000, seed=0, record_episodes=0))
    assert result.fitness >= 475, [c.eval_fitness for c in result.checkpoints]
    assert result.solved


def test_non_finite_reward_stops_training_with_a_typed_error() -> None:
    def log_angle(state):
        value = torch.log(state["pole_angle"])  # NaN for every env whose pole leans left
        return value, {"log_angle": value}

    with pytest.raises(TrainingError) as caught:
        train(CartPole, log_angle, SMALL)
    assert caught.value.kind == "non_finite_reward"
    assert "NaN" in str(caught.value)


def test_reward_exception_and_wrong_shape_are_typed() -> None:
    def raises(state):
        raise KeyError("no such thing")

    def column(state):
        value = state["pole_angle"].unsqueeze(-1)
        return value, {}

    with pytest.raises(TrainingError) as caught:
        train(CartPole, raises, SMALL)
    assert caught.value.kind == "reward_runtime_error"
    with pytest.raises(TrainingError) as caught:
        train(CartPole, column, SMALL)
    assert caught.value.kind == "reward_contract"
    assert "(32, 1)" in str(caught.value)


def test_reward_code_cannot_change_the_dynamics_in_place() -> None:
    def freeze_time(state):
        state["episode_step"].zero_()  # would dodge truncation if it reached the task
        state["pole_angle"].zero_()  # would hold the pole upright
        alive = torch.ones_like(state["cart_position"])
        return alive, {"alive": alive}

    result = train(CartPole, freeze_time, SMALL.model_copy(update={"steps": 4096, "checkpoints": 1}))
    # An untrained policy drops the pole well before 500 steps when the dynamics are untouched.
    assert result.checkpoints[0].eval_episode_length < 200


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown when no CUDA device exists")
def test_cuda_without_a_gpu_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no CUDA device"):
        TrainConfig(device="cuda").torch_device()
    assert TrainConfig(device="auto").torch_device().type == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_trains_on_cuda() -> None:
    result = train(CartPole, alive_and_upright, SMALL.model_copy(update={"device": "cuda"}))
    assert result.device.startswith("cuda")
