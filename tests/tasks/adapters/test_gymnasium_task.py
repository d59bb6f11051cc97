"""The Gymnasium adapter against Gymnasium itself: same transitions, the same rewards, state before autoreset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium
import numpy as np
import pytest
import torch

from rewardsmith.rewards import load_reward
from rewardsmith.tasks import TaskLoadError, load_task
from rewardsmith.tasks.adapters import GymnasiumSpaceError, gymnasium_spec
from rewardsmith.tasks.adapters.mujoco_messages import mujoco_warnings_logged
from rewardsmith.tasks.spec import FitnessSpec
from rewardsmith.training.rewards import call_reward

NUM_ENVS = 3
STEPS = 400
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "inverted_double_pendulum.py"
EXAMPLE_REF = f"{EXAMPLE}:InvertedDoublePendulum"
#: Tasks whose reference reward is Gymnasium's own; the env's reward is the oracle.
WITH_GYMNASIUM_REWARD = ["hopper", "half_cheetah", "ant", EXAMPLE_REF]


def _twins(ref: str) -> tuple[Any, list[gymnasium.Env[Any, Any]]]:
    task_class = load_task(ref)
    task = task_class(num_envs=NUM_ENVS, dtype=torch.float64, seed=11)
    # Quiet as the adapter is: MuJoCo's default handler would also write MUJOCO_LOG.TXT into the checkout.
    with mujoco_warnings_logged():
        plain = [
            gymnasium.make(task_class.env_id, max_episode_steps=task_class.spec.episode_length) for _ in range(NUM_ENVS)
        ]
    return task, plain


def _random_actions(task: Any, steps: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(5)
    space = task.spec.action_space
    uniform = torch.rand((steps, NUM_ENVS, *space.shape), generator=generator, dtype=torch.float64)
    # Beyond the box on purpose: the task clips, and so must the twin.
    return (uniform * 2.4 - 1.2) * space.high


@pytest.mark.parametrize("ref", WITH_GYMNASIUM_REWARD)
def test_same_transitions_and_the_reference_reward_is_gymnasiums_own(ref: str, tmp_path: Path) -> None:
    task, plain = _twins(ref)
    reward = load_reward(task.spec.reference_reward_code, task.spec, tmp_path)
    task.reseed(11)
    observation = task.reset()
    for index, env in enumerate(plain):
        twin_observation, _ = env.reset(seed=11 + index)
        np.testing.assert_allclose(observation[index].numpy(), twin_observation.astype(np.float32))
    ended = 0
    space = task.spec.action_space
    for step, action in enumerate(_random_actions(task, STEPS)):
        output = task.step(action)
        total, _ = call_reward(reward, output.state, NUM_ENVS, step)
        for index, env in enumerate(plain):
            twin_obs, twin_reward, terminated, truncated, _ = env.step(
                np.clip(action[index].numpy(), space.low, space.high)
            )
            np.testing.assert_allclose(float(total[index]), twin_reward, rtol=1e-6, atol=1e-6)
            np.testing.assert_allclose(output.final_observation[index].numpy(), twin_obs.astype(np.float32))
            assert bool(output.terminated[index]) == terminated
            assert bool(output.truncated[index]) == (truncated and not terminated)
            if terminated or truncated:
                ended += 1
                twin_obs, _ = env.reset()
            np.testing.assert_allclose(output.observation[index].numpy(), twin_obs.astype(np.float32))
    if ref in ("hopper", "ant", EXAMPLE_REF):
        assert ended > 0, "random play should end some episodes, so that autoreset is compared too"


def test_the_state_that_ended_an_episode_is_the_one_reward_code_reads() -> None:
    task = load_task("hopper")(num_envs=NUM_ENVS, seed=0)
    task.reset()
    pushes = torch.ones((NUM_ENVS, 3))
    for _ in range(200):
        output = task.step(pushes)
        if output.terminated.any():
            ended = output.terminated
            # Unhealthy is why Hopper ends; a state read after the reset would be healthy again.
            assert not bool(output.state["is_healthy"][ended].any())
            assert bool((output.episode_length[ended] == output.state["episode_step"][ended]).all())
            assert bool((task._tally.step[ended] == 0).all())
            return
    pytest.fail("full torque on every joint should topple the hopper within 200 steps")


def test_forward_distance_is_the_torso_displacement() -> None:
    task = load_task("half_cheetah")(num_envs=2, seed=0)
    task.reseed(3)
    task.reset()
    start = None
    generator = torch.Generator().manual_seed(1)
    for _ in range(task.spec.episode_length):
        output = task.step(torch.rand((2, 6), generator=generator) * 2 - 1)
        if start is None:
            start = output.state["x_position"] - output.state["x_velocity"] * task.spec.dt
        last = output.state["x_position"]
    assert bool(output.done.all())
    torch.testing.assert_close(output.episode_fitness, (last - start).float(), atol=1e-4, rtol=1e-4)


def test_a_reseeded_reset_starts_from_the_same_states() -> None:
    task = load_task("ant")(num_envs=2, seed=0)
    task.reseed(42)
    first = task.reset()
    task.step(torch.zeros((2, 8)))
    task.reseed(42)
    torch.testing.assert_close(task.reset(), first)
    task.reseed(43)
    assert not torch.equal(task.reset(), first)


def test_a_variant_has_no_reference_and_its_own_fitness() -> None:
    backward = load_task("half_cheetah_backward")
    assert backward.spec.reference_reward_code is None
    task = backward(num_envs=1, seed=0)
    task.reset()
    fitness = torch.zeros(1)
    output = None
    for _ in range(5):
        output = task.step(torch.zeros((1, 6)))
        fitness = fitness - output.state["x_velocity"].float() * task.spec.dt
    assert output is not None
    torch.testing.assert_close(task._tally.fitness, fitness)


def test_an_extractor_that_forgets_a_variable_is_named() -> None:
    source = EXAMPLE.read_text().replace('            "fallen": y <= 1.0,\n', "")
    broken = EXAMPLE.parent.parent / "tests" / "tasks" / "adapters" / "_forgetful.py"
    try:
        broken.write_text(source)
        with pytest.raises(TaskLoadError, match=r"extract\(\) did not return \['fallen'\]"):
            load_task(f"{broken}:InvertedDoublePendulum")
    finally:
        broken.unlink(missing_ok=True)


class _UnevenActions(gymnasium.Env[np.ndarray, np.ndarray]):
    """A one-step env whose two actions have different ranges, which a single-range policy cannot drive."""

    observation_space = gymnasium.spaces.Box(-1.0, 1.0, (2,), dtype=np.float64)
    action_space = gymnasium.spaces.Box(np.array([-1.0, -2.0]), np.array([1.0, 2.0]), dtype=np.float64)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        return np.zeros(2), {}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        return np.zeros(2), 0.0, True, False, {}


def test_actions_of_differing_ranges_are_refused_with_what_to_do() -> None:
    gymnasium.register("RewardsmithUnevenActions-v0", entry_point=_UnevenActions, max_episode_steps=1)
    with pytest.raises(GymnasiumSpaceError, match="share one finite range; wrap the env to rescale them"):
        gymnasium_spec(
            "RewardsmithUnevenActions-v0",
            name="uneven",
            description="Two actions of different ranges.",
            state_variables=(),
            fitness=FitnessSpec(name="f", description="f", solved_threshold=0.5),
            reference_reward_code=None,
            sparse_reward_code="",
        )


def test_the_readme_shows_the_whole_example_file() -> None:
    readme = (EXAMPLE.parent.parent / "README.md").read_text()
    assert "```python\n" + EXAMPLE.read_text().rstrip() + "\n```" in readme
