"""The Isaac Lab direct-workflow adapter against a fake ``DirectRLEnv`` following Isaac Lab's (see fake_isaaclab)."""

from __future__ import annotations

from pathlib import Path

import torch

from rewardsmith.rewards.loader import load_reward
from rewardsmith.tasks import render_context
from tests.tasks.adapters.fake_isaaclab.cartpole_env import CartpoleEnv, CartpoleEnvCfg
from tests.tasks.adapters.fake_isaaclab.sim import SimulationContext
from tests.tasks.adapters.fake_isaaclab.tasks import FakeDirectCartpole
from tests.tasks.adapters.stepping import run_until_done

EUREKA_STYLE_RESPONSE = """```python
@torch.jit.script
def compute_reward(joint_pos: torch.Tensor, joint_vel: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    upright = torch.exp(-4.0 * joint_pos[:, 1] ** 2)
    calm = -0.01 * torch.abs(joint_vel[:, 0])
    return upright + calm, {"upright": upright, "calm": calm}
```"""


def test_context_is_the_class_header_and_get_observations_only() -> None:
    source = FakeDirectCartpole.designer_source()
    context = render_context(FakeDirectCartpole)
    assert source.startswith('class CartpoleEnv(DirectRLEnv):\n    """Rest of the environment definition omitted."""\n')
    assert "    def _get_observations(self) -> dict:\n" in source
    for hidden in ("_get_rewards", "compute_rewards", "rew_scale", "_get_dones", "_reset_idx", "max_cart_pos"):
        assert hidden not in context


def test_state_is_read_before_isaac_labs_reset_and_the_observation_after() -> None:
    task = FakeDirectCartpole(num_envs=6, seed=0)
    task.reset()
    output = run_until_done(task)
    done = output.done
    position = output.state["joint_pos"]
    fell = (position[:, 1].abs() > torch.pi / 2) | (position[:, 0].abs() > 3.0)
    assert torch.equal(fell, done)
    assert torch.equal(output.state["reset_terminated"], output.terminated)
    # The direct cart-pole observes (pole angle, pole velocity, cart position, cart velocity).
    torch.testing.assert_close(output.final_observation[:, [2, 0]], position)
    assert (output.observation[done][:, [1, 2, 3]] == 0).all()
    assert torch.equal(output.observation[~done], output.final_observation[~done])


def test_variant_pays_nothing_and_keeps_the_tasks_dones_and_reward_as_a_metric() -> None:
    actions = [torch.full((5, 1), 1.0 if step % 20 < 10 else -1.0) for step in range(60)]

    def run(make: type) -> list[tuple[torch.Tensor, ...]]:
        # One live environment per process, as in Isaac Lab: each run closes the one before it.
        SimulationContext.clear_instance()
        cfg = CartpoleEnvCfg()
        cfg.scene.num_envs = 5
        cfg.sim.device = "cpu"
        env = make(cfg=cfg)
        env.reset(seed=4)
        steps = []
        for action in actions:
            _, reward, terminated, time_outs, _ = env.step(action)
            kept = getattr(env, "gt_rew_buf", reward)
            steps.append((reward.clone(), terminated.clone(), time_outs.clone(), kept.clone()))
        return steps

    task = FakeDirectCartpole(num_envs=5, seed=4)
    original, variant = run(CartpoleEnv), run(type(task.env))
    assert sum(int(terminated.sum()) for _, terminated, _, _ in original) > 0
    for (reward, terminated, time_outs, _), (v_reward, v_terminated, v_time_outs, v_kept) in zip(
        original, variant, strict=True
    ):
        assert torch.equal(v_terminated, terminated) and torch.equal(v_time_outs, time_outs)
        torch.testing.assert_close(v_kept, reward)
        assert not v_reward.any()


def test_fitness_is_the_success_attribute_per_episode() -> None:
    task = FakeDirectCartpole(num_envs=4, seed=1)
    task.reset()
    output = run_until_done(task, push=-1.0)
    assert torch.equal(output.episode_fitness[output.done], output.episode_length[output.done].float())
    assert output.episode_fitness[~output.done].isnan().all()


def test_eureka_style_reward_binds_to_environment_attributes(tmp_path: Path) -> None:
    reward = load_reward(EUREKA_STYLE_RESPONSE, FakeDirectCartpole.spec, tmp_path)
    task = FakeDirectCartpole(num_envs=3, seed=2)
    task.reset()
    output = task.step(torch.zeros(3, 1))
    checked = reward.call_checked(output.state)
    torch.testing.assert_close(checked.components["upright"], torch.exp(-4.0 * task.env.joint_pos[:, 1] ** 2))
