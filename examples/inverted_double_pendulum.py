"""Gymnasium's InvertedDoublePendulum-v5 as a rewardsmith task: a state extractor is all it takes.

rewardsmith design examples/inverted_double_pendulum.py:InvertedDoublePendulum
"""

from __future__ import annotations

from typing import Any

import gymnasium
import torch

from rewardsmith.tasks import FitnessSpec, PPOHints, State, StateVariable
from rewardsmith.tasks.adapters import GymnasiumTask, gymnasium_spec

# Gymnasium's own reward, in the reward contract: the 1.0 of normalised scores.
REFERENCE = """
import torch


def compute_reward(tip_x, tip_height, pole_angular_velocities, fallen):
    distance = -(0.01 * tip_x**2 + (tip_height - 2.0) ** 2)
    velocity = -(1e-3 * pole_angular_velocities[:, 0] ** 2 + 5e-3 * pole_angular_velocities[:, 1] ** 2)
    alive = 10.0 * (~fallen).float()
    return alive + distance + velocity, {"alive": alive, "distance": distance, "velocity": velocity}
"""
# The floor of normalised scores: paid only in the episode's last 500 steps.
SPARSE = """
import torch


def compute_reward(episode_step):
    late = (episode_step > 500).float()
    return late, {"late": late}
"""


class InvertedDoublePendulum(GymnasiumTask):
    env_id = "InvertedDoublePendulum-v5"
    spec = gymnasium_spec(
        "InvertedDoublePendulum-v5",
        name="inverted_double_pendulum",
        description=(
            "Two poles are hinged end to end on a cart that slides on a rail. Push the cart to keep both poles "
            "upright; the episode ends when the tip of the upper pole drops to 1 m or lower."
        ),
        state_variables=(
            StateVariable(name="cart_position", unit="m", desired="zero", description="Cart position on the rail."),
            StateVariable(name="cart_velocity", unit="m/s", description="Cart velocity."),
            StateVariable(
                name="pole_angles",
                shape=(2,),
                unit="rad",
                desired="zero",
                description="Lower pole from vertical, upper from lower: both zero upright.",
            ),
            StateVariable(
                name="pole_angular_velocities",
                shape=(2,),
                unit="rad/s",
                desired="zero",
                description="Rates of the two hinges.",
            ),
            StateVariable(name="tip_x", unit="m", description="Horizontal position of the upper pole's tip."),
            StateVariable(
                name="tip_height",
                unit="m",
                desired="high",
                description="Height of the upper tip, in [1.0, 1.2] m: 1.2 upright, 1.0 fallen.",
            ),
            StateVariable(
                name="fallen", dtype="bool", desired="false", unit="-", description="The tip is at 1 m or lower."
            ),
        ),
        fitness=FitnessSpec(
            name="balanced_fraction",
            description="Fraction of the 1000 steps the poles stayed up.",
            low=0.0,
            high=1.0,
            solved_threshold=0.9,
        ),
        reference_reward_code=REFERENCE,
        sparse_reward_code=SPARSE,
        ppo=PPOHints(num_envs=32, steps=300_000, rollouts=64, learning_rate=3e-4, mini_batches=8),
    )

    def extract(self, env: gymnasium.Env[Any, Any], info: dict[str, Any]) -> dict[str, Any]:
        data = env.unwrapped.data  # type: ignore[attr-defined]
        x, _, y = data.site_xpos[0]
        return {
            "cart_position": data.qpos[0],
            "cart_velocity": data.qvel[0],
            "pole_angles": data.qpos[1:3],
            "pole_angular_velocities": data.qvel[1:3],
            "tip_x": x,
            "tip_height": y,
            "fallen": y <= 1.0,
        }

    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        up = (~state["fallen"]).float()
        return fitness_so_far + up / self.spec.episode_length
