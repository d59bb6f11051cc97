"""The ManiSkill3 adapter against a fake ``PickCube-v1`` following ManiSkill's ``BaseEnv`` (see fake_maniskill)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from rewardsmith.rewards.loader import load_reward
from rewardsmith.tasks import render_context
from rewardsmith.tasks.protocol import StepOutput
from tests.tasks.adapters.fake_maniskill.pick_cube import STEP_SIZE
from tests.tasks.adapters.fake_maniskill.tasks import FakePickCube


def _scripted(task: FakePickCube, steps: int) -> Iterator[StepOutput]:
    """Fly to the cube, then carry it to the goal; the environments succeed at different steps."""
    env = task.env.unwrapped
    for _ in range(steps):
        grasped = env.evaluate()["is_grasped"].unsqueeze(1)
        target = torch.where(grasped, env.goal_site.pose.p, env.cube.pose.p)
        action = ((target - env.agent.tcp.pose.p) / STEP_SIZE).clamp(-1.0, 1.0)
        yield task.step(action)


def test_context_is_the_observation_method_never_reward_or_success() -> None:
    context = render_context(FakePickCube)
    assert FakePickCube.designer_source().startswith(
        'class PickCubeEnv(BaseEnv):\n    """Rest of the environment definition omitted."""\n    def _get_obs_extra('
    )
    for hidden in ("compute_dense_reward", "reaching_reward", "def evaluate", "goal_thresh", "GRASP_DISTANCE"):
        assert hidden not in context


def test_success_ends_the_episode_with_fitness_one_and_resets_only_that_environment() -> None:
    task = FakePickCube(num_envs=6, seed=0)
    task.reset()
    first = next(output for output in _scripted(task, 40) if output.done.any())
    done = first.done
    assert first.terminated[done].all() and not first.truncated.any()
    assert first.state["success"][done].all() and first.state["is_grasped"][done].all()
    assert (first.episode_fitness[done] == 1.0).all() and first.episode_fitness[~done].isnan().all()
    # The ended environments start again (the tool centre point back at its start); the others go on.
    assert torch.equal(first.observation[done][:, :3], torch.tensor([[0.0, 0.0, 0.2]]).expand(int(done.sum()), 3))
    assert torch.equal(first.observation[~done], first.final_observation[~done])
    assert (task.env.unwrapped.elapsed_steps[~done] > 0).all() and (task.env.unwrapped.elapsed_steps[done] == 0).all()


def test_the_time_limit_truncates_with_no_success() -> None:
    task = FakePickCube(num_envs=3, seed=1)
    task.reset()
    outputs = [task.step(torch.tensor([[0.0, 0.0, 1.0]]).expand(3, 3)) for _ in range(50)]
    assert not any(output.done.any() for output in outputs[:-1])
    assert outputs[-1].truncated.all() and not outputs[-1].terminated.any()
    assert (outputs[-1].episode_fitness == 0.0).all()
    assert (outputs[-1].episode_length == 50).all()


def test_reference_reward_equals_maniskills_dense_reward(tmp_path: Path) -> None:
    reference = load_reward(FakePickCube.spec.reference_reward_code or "", FakePickCube.spec, tmp_path)
    task = FakePickCube(num_envs=5, seed=2)
    task.reset()
    env = task.env.unwrapped
    compared = 0
    for output in _scripted(task, 30):
        if output.done.any():
            continue
        theirs = env.compute_dense_reward(obs=None, action=None, info=env.get_info())
        torch.testing.assert_close(reference(output.state)[0], theirs)
        compared += 1
    assert compared > 10


def test_a_task_whose_evaluate_has_no_success_key_says_which_keys_it_has() -> None:
    class PlacedIsSuccess(FakePickCube):
        success_key = "is_placed"

    task = PlacedIsSuccess(num_envs=2, seed=0)
    task.reset()
    with pytest.raises(KeyError, match=r"no 'is_placed' \(it gives .*is_obj_placed"):
        task.step(torch.zeros(2, 3))
