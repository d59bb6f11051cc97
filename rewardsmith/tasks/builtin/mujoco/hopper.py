"""Gymnasium's ``Hopper-v5``: a one-legged robot in the x-z plane that must hop forwards without falling.

Fitness is the forward distance of an episode (m). The reference reward is Gymnasium's own, written
in the reward contract; the episode ends when the robot is unhealthy (torso too low or tilted).
"""

from __future__ import annotations

import torch

from rewardsmith.tasks.adapters.gymnasium_task import gymnasium_spec
from rewardsmith.tasks.builtin.mujoco.locomotion import PlanarLocomotionTask, planar_variables
from rewardsmith.tasks.builtin.reward_files import builtin_rewards, no_reference
from rewardsmith.tasks.protocol import State
from rewardsmith.tasks.spec import FitnessSpec, PPOHints

HOPPER_OBSERVATION = (
    "torso_height",
    "torso_angle",
    "thigh_angle",
    "leg_angle",
    "foot_angle",
    "x_velocity",
    "z_velocity",
    "torso_angular_velocity",
    "thigh_angular_velocity",
    "leg_angular_velocity",
    "foot_angular_velocity",
)


class Hopper(PlanarLocomotionTask):
    env_id = "Hopper-v5"
    has_health_check = True
    spec = gymnasium_spec(
        "Hopper-v5",
        name="hopper",
        description=(
            "A one-legged robot (torso, thigh, leg, foot) moves in the vertical x-z plane by applying torques "
            "to its three joints. Make it hop forwards along +x as fast as it can without falling: the episode "
            "ends when the torso drops below 0.7 m or tilts more than 0.2 rad."
        ),
        state_variables=planar_variables(joints=3, healthy=True, goal="forward"),
        fitness=FitnessSpec(
            name="forward_distance",
            description="Metres the torso travelled along +x during the episode.",
            low=-5.0,
            high=30.0,
            solved_threshold=20.0,
        ),
        observation_elements=HOPPER_OBSERVATION,
        ppo=PPOHints(num_envs=32, steps=1_000_000, rollouts=64, learning_rate=3e-4, mini_batches=8),
        **builtin_rewards("hopper"),
    )


#: Standing torso height (m) of Hopper-v5's initial pose.
STANDING_HEIGHT = 1.25


class HopperJump(PlanarLocomotionTask):
    env_id = "Hopper-v5"
    has_health_check = True
    spec = gymnasium_spec(
        "Hopper-v5",
        name="hopper_jump",
        description=(
            "A one-legged robot (torso, thigh, leg, foot) moves in the vertical x-z plane by applying torques "
            "to its three joints. Make it jump as high as it can, landing without falling: the episode ends "
            "when the torso drops below 0.7 m or tilts more than 0.2 rad."
        ),
        state_variables=planar_variables(joints=3, healthy=True, goal="jump"),
        fitness=FitnessSpec(
            name="jump_height",
            description="Highest the torso rose above its standing height during the episode (m).",
            low=0.0,
            high=2.0,
            solved_threshold=0.5,
        ),
        observation_elements=HOPPER_OBSERVATION,
        ppo=PPOHints(num_envs=32, steps=1_000_000, rollouts=64, learning_rate=3e-4, mini_batches=8),
        **no_reference("hopper_jump"),
    )

    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        return torch.maximum(fitness_so_far, state["torso_height"] - STANDING_HEIGHT)
