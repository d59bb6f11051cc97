"""Gymnasium's ``HalfCheetah-v5``: a two-legged planar robot that must run forwards; it never falls over.

Fitness is the forward distance of an episode (m); the reference reward is Gymnasium's own.
:class:`HalfCheetahBackward` is a variant in Text2Reward's style: run backwards, with no reference
reward, so no normalised score.
"""

from __future__ import annotations

from rewardsmith.tasks.adapters.gymnasium_task import gymnasium_spec
from rewardsmith.tasks.builtin.mujoco.locomotion import PlanarLocomotionTask, planar_variables
from rewardsmith.tasks.builtin.reward_files import builtin_rewards, no_reference
from rewardsmith.tasks.spec import FitnessSpec, PPOHints

HALF_CHEETAH_OBSERVATION = (
    "torso_height",
    "torso_angle",
    *(f"{leg}_{joint}_angle" for leg in ("back", "front") for joint in ("thigh", "shin", "foot")),
    "x_velocity",
    "z_velocity",
    "torso_angular_velocity",
    *(f"{leg}_{joint}_angular_velocity" for leg in ("back", "front") for joint in ("thigh", "shin", "foot")),
)
_BODY = (
    "A planar two-legged robot (torso, and a back and a front leg of thigh, shin and foot) moves in the "
    "vertical x-z plane by applying torques to its six joints. It cannot fall: episodes always last "
    "1000 steps."
)
_PPO = PPOHints(num_envs=32, steps=1_000_000, rollouts=64, learning_rate=3e-4, mini_batches=8)


class HalfCheetah(PlanarLocomotionTask):
    env_id = "HalfCheetah-v5"
    has_health_check = False
    spec = gymnasium_spec(
        "HalfCheetah-v5",
        name="half_cheetah",
        description=_BODY + " Make it run forwards along +x as fast as it can.",
        state_variables=planar_variables(joints=6, healthy=False, goal="forward"),
        fitness=FitnessSpec(
            name="forward_distance",
            description="Metres the torso travelled along +x during the episode.",
            low=-100.0,
            high=800.0,
            solved_threshold=240.0,
        ),
        observation_elements=HALF_CHEETAH_OBSERVATION,
        ppo=_PPO,
        **builtin_rewards("half_cheetah"),
    )


class HalfCheetahBackward(PlanarLocomotionTask):
    env_id = "HalfCheetah-v5"
    has_health_check = False
    fitness_direction = -1.0
    spec = gymnasium_spec(
        "HalfCheetah-v5",
        name="half_cheetah_backward",
        description=_BODY + " Make it run backwards, along -x, as fast as it can.",
        state_variables=planar_variables(joints=6, healthy=False, goal="backward"),
        fitness=FitnessSpec(
            name="backward_distance",
            description="Metres the torso travelled along -x during the episode.",
            low=-100.0,
            high=800.0,
            solved_threshold=240.0,
        ),
        observation_elements=HALF_CHEETAH_OBSERVATION,
        ppo=_PPO,
        **no_reference("half_cheetah_backward"),
    )
