"""Gymnasium's ``Ant-v5``: a four-legged robot that must walk forwards along +x without flipping.

Fitness is the forward distance of an episode (m); the reference reward is Gymnasium's own.
:class:`AntStandFront` is a variant in Text2Reward's style with no reference reward.
"""

from __future__ import annotations

import torch

from rewardsmith.tasks.adapters.gymnasium_task import gymnasium_spec
from rewardsmith.tasks.builtin.mujoco.locomotion import AntTask, ant_variables
from rewardsmith.tasks.builtin.reward_files import builtin_rewards, no_reference
from rewardsmith.tasks.protocol import State
from rewardsmith.tasks.spec import FitnessSpec, PPOHints

_BODY = (
    "A four-legged robot (a torso and four legs of two links each) applies torques to its eight hip and "
    "ankle joints. The episode ends when the torso's height leaves [0.2, 1.0] m."
)
_PPO = PPOHints(num_envs=32, steps=1_000_000, rollouts=64, learning_rate=3e-4, mini_batches=8)
#: Nose-down pitch (rad) at which the ant counts as standing on its front legs.
STAND_PITCH = 0.5


class Ant(AntTask):
    env_id = "Ant-v5"
    spec = gymnasium_spec(
        "Ant-v5",
        name="ant",
        description=_BODY + " Make it walk forwards along +x as fast as it can.",
        state_variables=ant_variables(goal="forward"),
        fitness=FitnessSpec(
            name="forward_distance",
            description="Metres the torso travelled along +x during the episode.",
            low=-50.0,
            high=500.0,
            solved_threshold=250.0,
        ),
        ppo=_PPO,
        **builtin_rewards("ant"),
    )

    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        return fitness_so_far + state["x_velocity"] * self.spec.dt


class AntStandFront(AntTask):
    env_id = "Ant-v5"
    spec = gymnasium_spec(
        "Ant-v5",
        name="ant_stand_front",
        description=(
            _BODY + f" Make it stand on its front legs: raise the back of the torso until it pitches "
            f"nose-down (towards +x) by at least {STAND_PITCH} rad, and hold that pose."
        ),
        state_variables=ant_variables(goal="stand_front"),
        fitness=FitnessSpec(
            name="front_stand_fraction",
            description="Fraction of the episode's 1000 steps spent pitched nose-down by the stand angle or more.",
            low=0.0,
            high=1.0,
            solved_threshold=0.5,
        ),
        ppo=_PPO,
        **no_reference("ant_stand_front"),
    )

    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        standing = (state["torso_pitch"] >= STAND_PITCH).float()
        return fitness_so_far + standing / self.spec.episode_length
