"""The manager-based Isaac Lab adapter against a fake ``ManagerBasedRLEnv`` following Isaac Lab's."""

from __future__ import annotations

from typing import ClassVar

import pytest
import torch

from rewardsmith.tasks import StateVariable, render_context
from rewardsmith.tasks.adapters import simulator_spec
from rewardsmith.tasks.adapters.isaaclab_manager_task import STATE_TERM
from tests.tasks.adapters.fake_isaaclab import cartpole_manager_env_cfg as mdp
from tests.tasks.adapters.fake_isaaclab.manager_based_rl_env import ManagerBasedRLEnv
from tests.tasks.adapters.fake_isaaclab.managers import ObservationTermCfg
from tests.tasks.adapters.fake_isaaclab.sim import SimulationContext
from tests.tasks.adapters.fake_isaaclab.tasks import CARTPOLE, FakeManagerCartpole
from tests.tasks.adapters.stepping import run_until_done


def test_context_is_the_observation_config_never_the_reward_terms() -> None:
    context = render_context(FakeManagerCartpole)
    assert "class ObservationsCfg:" in context and "joint_pos_rel: ObsTerm" in context
    for hidden in ("RewardsCfg", "RewTerm", "is_alive", "joint_pos_target_l2", "TerminationsCfg"):
        assert hidden not in context


def test_the_variants_reward_is_one_term_that_pays_nothing() -> None:
    task = FakeManagerCartpole(num_envs=3, seed=0)
    task.reset()
    _, reward, _, _, _ = task.env.step(torch.ones(3, 1))
    assert task.env.reward_manager.active_terms == [STATE_TERM]
    assert not reward.any()


def test_terminations_are_the_tasks_own() -> None:
    actions = [torch.full((5, 1), 1.0 if step % 24 < 12 else -1.0) for step in range(80)]
    task = FakeManagerCartpole(num_envs=5)
    task.reseed(3)
    task.reset()
    ours = [task.step(action) for action in actions]
    # Isaac Lab allows one live environment per process: the first is closed before the plain one starts.
    SimulationContext.clear_instance()
    cfg = mdp.CartpoleEnvCfg()
    cfg.scene.num_envs = 5
    cfg.sim.device = "cpu"
    env = ManagerBasedRLEnv(cfg=cfg)
    env.reset(seed=3)
    theirs = [env.step(action)[2:4] for action in actions]
    assert sum(int(output.terminated.sum()) for output in ours) > 0
    for output, (terminated, time_outs) in zip(ours, theirs, strict=True):
        assert torch.equal(output.terminated, terminated)
        assert torch.equal(output.truncated, time_outs & ~terminated)


def test_state_terms_are_read_before_the_reset() -> None:
    task = FakeManagerCartpole(num_envs=6, seed=5)
    task.reset()
    output = run_until_done(task)
    position = output.state["joint_pos_rel"]
    fell = (position[:, 1].abs() > torch.pi / 2) | (position[:, 0].abs() > 3.0)
    assert torch.equal(fell, output.done)
    torch.testing.assert_close(output.final_observation[:, :2], position)
    assert (output.observation[output.done][:, [0, 2, 3]] == 0).all()


def test_a_state_variable_may_be_any_term_given_in_state_terms() -> None:
    class WithPoleAngle(FakeManagerCartpole):
        spec = simulator_spec(
            name="cartpole_pole_off_upright",
            state_variables=(StateVariable(name="pole_off_upright", unit="rad^2", description="Squared pole angle."),),
            **CARTPOLE,
        )
        state_terms: ClassVar[dict[str, object]] = {
            "pole_off_upright": ObservationTermCfg(func=mdp.joint_pos_target_l2, params={"target": 0.0})
        }

    task = WithPoleAngle(num_envs=2, seed=0)
    task.reset()
    output = task.step(torch.zeros(2, 1))
    torch.testing.assert_close(output.state["pole_off_upright"], task.env.robot.data.joint_pos[:, 1] ** 2)


def test_an_unknown_state_variable_names_state_terms() -> None:
    class Unknown(FakeManagerCartpole):
        state_terms: ClassVar[dict[str, object]] = {}
        spec = FakeManagerCartpole.spec.model_copy(
            update={
                "state_variables": (
                    StateVariable(name="tip_height", unit="m", description="?"),
                    *FakeManagerCartpole.spec.state_variables[2:],
                )
            }
        )

    with pytest.raises(ValueError, match=r"tip_height.*state_terms"):
        Unknown(num_envs=2)
