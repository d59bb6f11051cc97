"""The fake cart-poles as a user's rewardsmith task file would declare the real Isaac Lab ones."""

from __future__ import annotations

from typing import Any

from rewardsmith.tasks import FitnessSpec, StateVariable
from rewardsmith.tasks.adapters import IsaacLabDirectTask, IsaacLabManagerTask, simulator_spec

SPARSE = """
import torch


def compute_reward(episode_step):
    late = (episode_step > 250).float()
    return late, {"late": late}
"""
#: What both cart-poles' specs share: all but the name and the state variables.
CARTPOLE: dict[str, Any] = {
    "description": "Balance a pole on a cart so that the pole stays upright.",
    "observation_size": 4,
    "action_size": 1,
    "episode_length": 300,
    "dt": 1 / 60,
    "fitness": FitnessSpec(
        name="episode_length", description="Steps balanced.", low=0.0, high=300.0, solved_threshold=285.0
    ),
    "reference_reward_code": None,
    "sparse_reward_code": SPARSE,
}


class FakeDirectCartpole(IsaacLabDirectTask):
    env_class = "tests.tasks.adapters.fake_isaaclab.cartpole_env:CartpoleEnv"
    env_cfg = "tests.tasks.adapters.fake_isaaclab.cartpole_env:CartpoleEnvCfg"
    spec = simulator_spec(
        name="isaaclab_cartpole_direct",
        state_variables=(
            StateVariable(name="joint_pos", shape=(2,), unit="m, rad", description="Cart position, pole angle."),
            StateVariable(name="joint_vel", shape=(2,), unit="m/s, rad/s", description="Cart and pole velocities."),
            StateVariable(name="reset_terminated", dtype="bool", unit="-", desired="false", description="Failed."),
        ),
        **CARTPOLE,
    )


class FakeManagerCartpole(IsaacLabManagerTask):
    env_class = "tests.tasks.adapters.fake_isaaclab.manager_based_rl_env:ManagerBasedRLEnv"
    env_cfg = "tests.tasks.adapters.fake_isaaclab.cartpole_manager_env_cfg:CartpoleEnvCfg"
    reward_term_cfg = "tests.tasks.adapters.fake_isaaclab.managers:RewardTermCfg"
    spec = simulator_spec(
        name="isaaclab_cartpole_manager",
        state_variables=(
            StateVariable(name="joint_pos_rel", shape=(2,), unit="m, rad", description="Cart position, pole angle."),
            StateVariable(name="joint_vel_rel", shape=(2,), unit="m/s, rad/s", description="Joint velocities."),
        ),
        **CARTPOLE,
    )
