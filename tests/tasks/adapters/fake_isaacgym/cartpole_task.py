"""The fake Cartpole as a user's rewardsmith task file would declare the real one."""

from __future__ import annotations

from typing import Any

from rewardsmith.tasks import FitnessSpec, PPOHints, StateVariable
from rewardsmith.tasks.adapters import IsaacGymTask, simulator_spec

# IsaacGymEnvs' compute_cartpole_reward in the reward contract, bound to task attributes by name.
REFERENCE = """
import math
import torch


def compute_reward(dof_pos, dof_vel, reset_dist):
    cart_pos, pole_angle = dof_pos[:, 0], dof_pos[:, 1]
    cart_vel, pole_vel = dof_vel[:, 0], dof_vel[:, 1]
    shaped = 1.0 - pole_angle * pole_angle - 0.01 * torch.abs(cart_vel) - 0.005 * torch.abs(pole_vel)
    failed = (torch.abs(cart_pos) > reset_dist) | (torch.abs(pole_angle) > math.pi / 2)
    reward = torch.where(failed, torch.full_like(shaped, -2.0), shaped)
    return reward, {"shaped": shaped}
"""
SPARSE = """
import torch


def compute_reward(progress_buf):
    late = (progress_buf > 400).float()
    return late, {"late": late}
"""

CARTPOLE_CONFIG: dict[str, Any] = {
    "physics_engine": "physx",
    "env": {"numEnvs": 512, "envSpacing": 4.0, "resetDist": 3.0, "maxEffort": 10.0, "clipObservations": 5.0},
    "sim": {"dt": 0.0166, "up_axis": "z", "use_gpu_pipeline": True},
}


class FakeCartpole(IsaacGymTask):
    vec_task = "tests.tasks.adapters.fake_isaacgym.cartpole:Cartpole"
    task_config = CARTPOLE_CONFIG
    success_attribute = "progress_buf"
    spec = simulator_spec(
        name="isaacgym_cartpole",
        description="Balance a pole on a cart so that the pole stays upright.",
        state_variables=(
            StateVariable(name="dof_pos", shape=(2,), unit="m, rad", description="Cart position, pole angle."),
            StateVariable(name="dof_vel", shape=(2,), unit="m/s, rad/s", description="Cart and pole velocities."),
            StateVariable(name="progress_buf", dtype="int64", unit="steps", description="Steps in the episode so far."),
            StateVariable(name="reset_dist", unit="m", description="Cart distance from the centre that ends it."),
        ),
        observation_size=4,
        action_size=1,
        episode_length=500,
        dt=0.0166,
        fitness=FitnessSpec(
            name="episode_length", description="Steps balanced.", low=0.0, high=500.0, solved_threshold=475.0
        ),
        reference_reward_code=REFERENCE,
        sparse_reward_code=SPARSE,
        ppo=PPOHints(num_envs=512),
    )
