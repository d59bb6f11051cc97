"""Cart-pole balancing, batched in torch; the same dynamics as Gymnasium's ``CartPole-v1``.

A pole is hinged to a cart that moves along a frictionless track. The policy pushes the cart left
or right with a fixed force and must keep the pole upright and the cart on the track.

| state variable  | unit  | bounds before termination | meaning                                   |
|-----------------|-------|---------------------------|-------------------------------------------|
| cart_position   | m     | [-2.4, 2.4]               | cart position, 0 at the track centre      |
| cart_velocity   | m/s   | unbounded                 | cart velocity                             |
| pole_angle      | rad   | [-0.2095, 0.2095] (12°)   | pole angle from upright, positive = right |
| pole_angular_velocity | rad/s | unbounded         | pole angular velocity                     |

Termination: the pole tilts past 12° or the cart leaves [-2.4, 2.4] m. Truncation: 500 steps.
Fitness: the episode length (steps balanced), 500 at best.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch

from rewardsmith.tasks.base import BatchedTask, State
from rewardsmith.tasks.builtin.reward_files import builtin_rewards
from rewardsmith.tasks.spec import (
    DiscreteSpace,
    FitnessSpec,
    ObservationSpec,
    PPOHints,
    StateVariable,
    TaskSpec,
    common_state_variables,
)

GRAVITY = 9.8  # m/s²
CART_MASS = 1.0  # kg
POLE_MASS = 0.1  # kg
POLE_HALF_LENGTH = 0.5  # m, pivot to centre of mass
FORCE_MAGNITUDE = 10.0  # N per push
TAU = 0.02  # s between updates
ANGLE_LIMIT = 12 * 2 * math.pi / 360  # rad
POSITION_LIMIT = 2.4  # m
EPISODE_LENGTH = 500  # steps

_ACTIONS = DiscreteSpace(n=2, values=(-FORCE_MAGNITUDE, FORCE_MAGNITUDE))


class CartPole(BatchedTask):
    spec = TaskSpec(
        name="cartpole",
        description=(
            "Balance a pole hinged on a cart by pushing the cart left or right. The episode ends when the pole "
            "tilts more than 12 degrees from upright or the cart leaves the track (|x| > 2.4 m)."
        ),
        state_variables=(
            StateVariable(
                name="cart_position", desired="zero", unit="m", description="Cart position; 0 is the track centre."
            ),
            StateVariable(
                name="cart_velocity", desired="zero", unit="m/s", description="Cart velocity; positive is rightwards."
            ),
            StateVariable(
                name="pole_angle",
                desired="zero",
                unit="rad",
                description="Pole angle from upright; positive leans right.",
            ),
            StateVariable(
                name="pole_angular_velocity", desired="zero", unit="rad/s", description="Pole angular velocity."
            ),
            *common_state_variables(_ACTIONS),
        ),
        observation=ObservationSpec(
            size=4,
            elements=("cart_position", "cart_velocity", "pole_angle", "pole_angular_velocity"),
        ),
        action_space=_ACTIONS,
        episode_length=EPISODE_LENGTH,
        dt=TAU,
        fitness=FitnessSpec(
            name="episode_length",
            description="Steps the pole stayed up before termination or the 500-step limit.",
            low=0.0,
            high=float(EPISODE_LENGTH),
            solved_threshold=475.0,
        ),
        **builtin_rewards("cartpole"),
        ppo=PPOHints(),
    )

    def initial_state(self, count: int) -> State:
        values = torch.rand((count, 4), generator=self.generator, device=self.device, dtype=self.dtype)
        values = values * 0.1 - 0.05
        return {
            "cart_position": values[:, 0],
            "cart_velocity": values[:, 1],
            "pole_angle": values[:, 2],
            "pole_angular_velocity": values[:, 3],
        }

    def dynamics(self, state: State, action: torch.Tensor) -> State:
        x, x_dot = state["cart_position"], state["cart_velocity"]
        theta, theta_dot = state["pole_angle"], state["pole_angular_velocity"]
        force = action
        cos_theta, sin_theta = torch.cos(theta), torch.sin(theta)
        total_mass = CART_MASS + POLE_MASS
        polemass_length = POLE_MASS * POLE_HALF_LENGTH
        # Florian 2007, "Correct equations for the dynamics of the cart-pole system", semi-explicit Euler.
        temp = (force + polemass_length * theta_dot**2 * sin_theta) / total_mass
        theta_acc = (GRAVITY * sin_theta - cos_theta * temp) / (
            POLE_HALF_LENGTH * (4.0 / 3.0 - POLE_MASS * cos_theta**2 / total_mass)
        )
        x_acc = temp - polemass_length * theta_acc * cos_theta / total_mass
        return {
            "cart_position": x + TAU * x_dot,
            "cart_velocity": x_dot + TAU * x_acc,
            "pole_angle": theta + TAU * theta_dot,
            "pole_angular_velocity": theta_dot + TAU * theta_acc,
        }

    def terminal(self, state: State) -> torch.Tensor:
        return (state["cart_position"].abs() > POSITION_LIMIT) | (state["pole_angle"].abs() > ANGLE_LIMIT)

    def observe(self, state: State) -> torch.Tensor:
        return torch.stack(
            (state["cart_position"], state["cart_velocity"], state["pole_angle"], state["pole_angular_velocity"]),
            dim=-1,
        )

    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        return fitness_so_far + 1.0

    @classmethod
    def draw_episode(cls, figure: Any, episode: Mapping[str, Any]) -> bool:
        """The pole's angle and the cart's position over time, each against its failure limit."""
        seconds = [TAU * (step + 1) for step in range(len(episode["pole_angle"]))]
        angle, position = figure.subplots(2, 1, sharex=True)
        angle.plot(seconds, [math.degrees(a) for a in episode["pole_angle"]], color="#4878a8")
        position.plot(seconds, episode["cart_position"], color="#c05a28")
        for axes, limit, label in (
            (angle, math.degrees(ANGLE_LIMIT), "pole angle (deg)"),
            (position, POSITION_LIMIT, "cart position (m)"),
        ):
            axes.axhline(limit, color="#999", linestyle="--", linewidth=0.8)
            axes.axhline(-limit, color="#999", linestyle="--", linewidth=0.8)
            axes.set_ylabel(label)
        position.set_xlabel("time (s)")
        return True
