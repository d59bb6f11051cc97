"""What a locomotion task's report says of an episode, checked on episodes the real MuJoCo models ran."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rewardsmith.tasks import load_task
from rewardsmith.tasks.evidence import EpisodeFact

STEPS = 60


def recorded(name: str, push: float) -> dict[str, np.ndarray]:
    """One environment's states over at most ``STEPS`` steps of a constant action ``push`` on every joint,
    up to the end of its first episode (the hopper falls)."""
    task = load_task(name)(num_envs=1, seed=3)
    task.reset()
    action = torch.full((1, *task.action_shape), push)
    states: dict[str, list[np.ndarray]] = {}
    for _ in range(STEPS):
        step = task.step(action)
        for key in ("x_position", "x_velocity", "torso_height"):
            states.setdefault(key, []).append(step.state[key][0].numpy())
        if bool(step.terminated[0] | step.truncated[0]):
            break
    task.close()
    return {key: np.stack(values) for key, values in states.items()}


def facts(name: str, episode: dict[str, np.ndarray]) -> dict[str, EpisodeFact]:
    return {fact.name: fact for fact in load_task(name).episode_facts(episode)}


@pytest.mark.parametrize("name", ["half_cheetah", "half_cheetah_backward", "hopper", "ant"])
def test_the_displacement_agrees_with_the_velocities_the_simulator_reported(name: str) -> None:
    episode = recorded(name, push=0.4)
    found = facts(name, episode)
    x, velocity = episode["x_position"], episode["x_velocity"]
    assert found["x displacement"].value == pytest.approx(float(x[-1] - x[0]))
    # x_velocity is each step's displacement over dt: all but the first step's add up to the net travel.
    dt = load_task(name).spec.dt
    assert float(velocity[1:].sum() * dt) == pytest.approx(found["x displacement"].value, abs=1e-4)
    assert found["mean x velocity"].value == pytest.approx(float(velocity.mean()))


def test_an_episode_that_runs_backwards_says_so() -> None:
    steps = np.arange(40, dtype=float)
    episode = {"x_position": -0.05 * steps, "x_velocity": np.full(40, -1.0), "torso_height": np.full(40, 0.6)}
    found = facts("half_cheetah_backward", episode)
    assert found["x displacement"].value == pytest.approx(-1.95)
    assert found["share of steps moving backwards"].value == 1.0
    assert "negative backwards" in found["x displacement"].text()
