"""The scripted hack probes: each stays in the action space and does what its name says, on any task."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rewardsmith.gate.probes import (
    CIRCLING_PERIODS,
    JITTER_PERIODS,
    early_termination_policy,
    extreme_actions,
    probe_policies,
    rollout,
)
from rewardsmith.tasks import load_task
from rewardsmith.tasks.spec import BoxSpace, DiscreteSpace

TASKS = ["cartpole", "pendulum", "mountain_car", "acrobot", "point_reach"]


@pytest.mark.parametrize("name", TASKS)
def test_every_probe_acts_inside_the_action_space(name: str) -> None:
    task_class = load_task(name)
    task = task_class(num_envs=3, seed=0)
    space = task_class.spec.action_space
    policies = probe_policies(task, seed=0)
    expected = {
        "idle",
        "random",
        *(f"jitter/{p}" for p in JITTER_PERIODS),
        *(f"circling/{p}" for p in CIRCLING_PERIODS),
    }
    assert set(policies) == expected
    observation = task.reset()
    for policy in policies.values():
        for _ in range(60):
            action = policy(observation)
            if isinstance(space, DiscreteSpace):
                assert action.shape == (3,) and int(action.min()) >= 0 and int(action.max()) < space.n
            else:
                assert action.shape == (3, *space.shape)
                assert float(action.min()) >= space.low - 1e-6 and float(action.max()) <= space.high + 1e-6


def test_jitter_alternates_between_the_extremes_and_idle_is_nearest_zero() -> None:
    task = load_task("acrobot")(num_envs=1, seed=0)  # torques -1, 0, +1
    policies = probe_policies(task, seed=0)
    observation = task.reset()
    values = task.spec.action_space.values
    jitter = [values[int(policies["jitter/2"](observation))] for _ in range(6)]
    assert jitter == [1.0, -1.0, 1.0, -1.0, 1.0, -1.0]
    sway = [values[int(policies["jitter/8"](observation))] for _ in range(10)]
    assert sway == [1.0] * 4 + [-1.0] * 4 + [1.0] * 2
    assert {values[int(policies["idle"](observation))] for _ in range(5)} == {0.0}


def test_circling_traces_a_circle_with_a_two_dimensional_action() -> None:
    task = load_task("point_reach")(num_envs=1, seed=0)
    space = task.spec.action_space
    assert isinstance(space, BoxSpace) and space.shape == (2,)
    policy = probe_policies(task, seed=0)["circling/16"]
    observation = task.reset()
    actions = torch.stack([policy(observation)[0] for _ in range(16)])
    radius = (actions - (space.low + space.high) / 2).norm(dim=1)
    assert torch.allclose(radius, radius[0].expand_as(radius), atol=1e-5)
    angles = torch.atan2(actions[:, 1], actions[:, 0])
    assert len({round(float(a), 3) for a in angles}) == 16  # it goes all the way round


def test_extreme_actions_are_the_corners_of_a_small_box() -> None:
    corners = extreme_actions(load_task("point_reach")(num_envs=1, seed=0))
    assert sorted(tuple(c.tolist()) for c in corners) == [(-1.0, -1.0), (-1.0, 1.0), (1.0, -1.0), (1.0, 1.0)]


def test_early_termination_ends_cartpole_fast_and_does_not_exist_for_pendulum(tmp_path: Path) -> None:
    found = early_termination_policy(load_task("cartpole"), episodes=4, seed=0, device="cpu", scratch=tmp_path)
    assert found is not None
    policy, label = found
    task = load_task("cartpole")(num_envs=4, seed=0)
    result = rollout(task, policy, seed=0, record_path=tmp_path / "early.npz")
    assert max(result.episode_length) < 100 and "constant action" in label
    # The pendulum never terminates: every episode runs its 200 steps, so there is no early end to probe.
    assert early_termination_policy(load_task("pendulum"), episodes=4, seed=0, device="cpu", scratch=tmp_path) is None


def test_a_rollout_records_every_episode_whole(tmp_path: Path) -> None:
    task = load_task("mountain_car")(num_envs=3, seed=0)
    result = rollout(task, probe_policies(task, seed=0)["idle"], seed=0, record_path=tmp_path / "idle.npz")
    with np.load(tmp_path / "idle.npz") as data:
        assert list(data["length"]) == result.episode_length == [999, 999, 999]
        assert data["state/position"].shape[:2] == (3, 999)
