"""The fake PickCube as a user's rewardsmith task file would declare ManiSkill's."""

from __future__ import annotations

from typing import ClassVar

from rewardsmith.tasks import FitnessSpec, StateVariable
from rewardsmith.tasks.adapters import ManiSkillTask, simulator_spec

# ManiSkill's compute_dense_reward for PickCube, in the reward contract.
REFERENCE = """
import torch


def compute_reward(tcp_pos, cube_pos, goal_pos, is_grasped, success):
    reaching = 1 - torch.tanh(5 * torch.linalg.norm(cube_pos - tcp_pos, dim=1))
    grasped = is_grasped.float()
    placing = (1 - torch.tanh(5 * torch.linalg.norm(goal_pos - cube_pos, dim=1))) * grasped
    reward = torch.where(success, torch.full_like(reaching, 5.0), reaching + grasped + placing)
    return reward, {"reaching": reaching, "grasped": grasped, "placing": placing}
"""
SPARSE = """
import torch


def compute_reward(success):
    done = success.float()
    return done, {"success": done}
"""


class FakePickCube(ManiSkillTask):
    env_id = "FakePickCube-v1"
    env_class = "tests.tasks.adapters.fake_maniskill.pick_cube:PickCubeEnv"
    registers = "tests.tasks.adapters.fake_maniskill.pick_cube"
    state_paths: ClassVar[dict[str, str]] = {
        "tcp_pos": "agent.tcp.pose.p",
        "cube_pos": "cube.pose.p",
        "goal_pos": "goal_site.pose.p",
    }
    spec = simulator_spec(
        name="maniskill_pick_cube",
        description="Grasp the red cube and move it to the green goal position.",
        state_variables=(
            StateVariable(name="tcp_pos", shape=(3,), unit="m", description="Gripper's tool centre point."),
            StateVariable(name="cube_pos", shape=(3,), unit="m", description="Cube centre."),
            StateVariable(name="goal_pos", shape=(3,), unit="m", description="Where the cube should go."),
            StateVariable(name="is_grasped", dtype="bool", unit="-", desired="true", description="Cube held."),
            StateVariable(name="success", dtype="bool", unit="-", desired="true", description="Cube held at goal."),
        ),
        observation_size=19,
        action_size=3,
        episode_length=50,
        dt=0.05,
        fitness=FitnessSpec(name="success_once", description="The cube reached the goal.", solved_threshold=0.8),
        reference_reward_code=REFERENCE,
        sparse_reward_code=SPARSE,
    )
