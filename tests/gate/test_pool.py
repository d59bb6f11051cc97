"""The gate's trajectory pool: built from probes and a reference run, scored exactly as training scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rewardsmith.gate.pool import (
    TRAINED_EPISODES,
    add_episodes,
    load_pool,
    score_pool,
)
from rewardsmith.gate.pool_builder import PROBE_EPISODES, RANDOM_EPISODES, build_pool
from rewardsmith.gate.probes import probe_policies
from rewardsmith.rewards import load_reward
from rewardsmith.tasks import load_task
from rewardsmith.training import TrainingError
from rewardsmith.training.evaluate import evaluate


@pytest.mark.parametrize("name", ["point_reach", "mountain_car", "cartpole"])
def test_scoring_recorded_states_gives_the_return_training_measured(name: str, tmp_path: Path) -> None:
    # The reward sees each recorded state with its run-time dtype (booleans included), so its sum over
    # a recorded episode is the designed return evaluation measured live.
    task_class = load_task(name)
    spec = task_class.spec
    reward = load_reward(spec.reference_reward_code, spec, tmp_path)
    task = task_class(num_envs=3, seed=1)
    policy = probe_policies(task, seed=1)["random"]
    live = evaluate(task, policy, reward, seed=1, record=3, record_path=tmp_path / "episodes.npz")
    build_pool(task_class, name, [("reference/live", tmp_path / "episodes.npz")], tmp_path / "pool", seed=0)
    pool, arrays = load_pool(tmp_path / "pool")
    scores = score_pool(reward, task_class, arrays, "cpu")
    live_sources = [i for i, t in enumerate(pool.trajectories) if t.source.startswith("reference/live#")]
    assert [scores.returns[i] for i in live_sources] == pytest.approx(live.designed_return, rel=1e-4, abs=1e-3)
    for component, sums in live.components.items():
        assert [scores.components[component][i] for i in live_sources] == pytest.approx(sums, rel=1e-4, abs=1e-3)


def test_a_pool_holds_labelled_reference_random_and_probe_trajectories(tmp_path: Path) -> None:
    task_class = load_task("cartpole")
    pool = build_pool(task_class, "cartpole", [], tmp_path, seed=0)
    kinds = [t.kind for t in pool.trajectories]
    assert kinds.count("random") == RANDOM_EPISODES
    probes = {t.probe for t in pool.trajectories if t.kind == "probe"}
    assert probes == {"idle", "jitter/2", "jitter/8", "jitter/24", "circling/16", "circling/48", "early_termination"}
    assert kinds.count("probe") == PROBE_EPISODES * len(probes)
    loaded, arrays = load_pool(tmp_path)
    assert loaded == pool
    assert arrays["state/pole_angle"].shape == (len(pool.trajectories), task_class.spec.episode_length)
    for index, label in enumerate(pool.trajectories):
        assert arrays["length"][index] == label.length
        # Steps after an episode's end are NaN: no reader may mix the next episode in.
        assert np.isnan(arrays["state/pole_angle"][index, label.length :]).all()
        assert not label.success  # no probe or random policy balances a pole for 475 steps


def test_trained_episodes_are_added_once_with_their_true_labels(tmp_path: Path) -> None:
    task_class = load_task("cartpole")
    build_pool(task_class, "cartpole", [], tmp_path / "pool", seed=0)
    task = task_class(num_envs=6, seed=2)
    evaluate(task, probe_policies(task, seed=2)["random"], _zero, seed=2, record=6, record_path=tmp_path / "t.npz")
    before, _ = load_pool(tmp_path / "pool")
    grown = add_episodes(tmp_path / "pool", tmp_path / "t.npz", "trained", "trained/i01-c00", 475.0, 500)
    assert len(grown.trajectories) == len(before.trajectories) + TRAINED_EPISODES
    assert grown.version == before.version + 1
    again = add_episodes(tmp_path / "pool", tmp_path / "t.npz", "trained", "trained/i01-c00", 475.0, 500)
    assert again == grown  # a resumed run does not add the same policy twice
    _, arrays = load_pool(tmp_path / "pool")
    assert len(arrays["length"]) == len(grown.trajectories)


def test_a_reward_that_breaks_on_pool_states_raises_a_typed_error(tmp_path: Path) -> None:
    task_class = load_task("cartpole")
    build_pool(task_class, "cartpole", [], tmp_path, seed=0)
    _, arrays = load_pool(tmp_path)
    code = (
        "def compute_reward(pole_angle):\n"
        "    # breaks on batches larger than a verify job's\n"
        "    if pole_angle.shape[0] > 64:\n"
        "        raise ValueError('batch too large')\n"
        "    return -pole_angle.abs(), {}\n"
    )
    reward = load_reward(code, task_class.spec, tmp_path)
    with pytest.raises(TrainingError) as caught:
        score_pool(reward, task_class, arrays, "cpu")
    assert caught.value.kind == "reward_runtime_error"


def test_a_non_finite_return_is_reported_as_nan(tmp_path: Path) -> None:
    task_class = load_task("cartpole")
    build_pool(task_class, "cartpole", [], tmp_path, seed=0)
    _, arrays = load_pool(tmp_path)
    reward = load_reward(
        "def compute_reward(pole_angle):\n    return 1.0 / (pole_angle * 0.0), {}\n", task_class.spec, tmp_path
    )
    scores = score_pool(reward, task_class, arrays, "cpu")
    assert all(np.isnan(value) for value in scores.returns)


def _zero(state: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    return torch.zeros(next(iter(state.values())).shape[0]), {}
