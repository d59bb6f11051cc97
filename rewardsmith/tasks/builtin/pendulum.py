"""Pendulum swing-up, batched in torch; the same dynamics as Gymnasium's ``Pendulum-v1``.

A rigid rod hangs from a motorised pivot. The motor is too weak to lift the rod straight up from
hanging, so the policy must pump energy by swinging back and forth, then catch the rod upright and
hold it there.

| state variable    | unit  | bounds        | meaning                                                      |
|-------------------|-------|---------------|--------------------------------------------------------------|
| angle             | rad   | unbounded     | integrated angle, 0 upright, positive counter-clockwise      |
| angular_velocity  | rad/s | [-8, 8]       | angular velocity                                             |
| normalized_angle  | rad   | [-π, π)       | ``angle`` wrapped the way Gymnasium wraps it for its cost    |
| tip_height        | m     | [-1, 1]       | height of the rod's free end above the pivot (1 = upright)   |

``angle`` is the raw integrated θ of Gymnasium's ``state``: it keeps counting full turns, so it
is not a distance from upright; ``normalized_angle`` is.

Termination: never. Truncation: 200 steps.
Fitness: the fraction of the last 100 steps of an episode spent upright (|normalized_angle| below
0.2 rad), so 1 means the rod was swung up within 5 s and then held.
"""

from __future__ import annotations

import math

import torch

from rewardsmith.tasks.base import BatchedTask, State
from rewardsmith.tasks.builtin.reward_files import builtin_rewards
from rewardsmith.tasks.spec import (
    BoxSpace,
    FitnessSpec,
    ObservationSpec,
    PPOHints,
    StateVariable,
    TaskSpec,
    common_state_variables,
)

GRAVITY = 10.0  # m/s²
MASS = 1.0  # kg, of a uniform rod (moment of inertia m·l²/3 about the pivot)
LENGTH = 1.0  # m, pivot to the free end
DT = 0.05  # s between updates
MAX_SPEED = 8.0  # rad/s, angular velocity is clipped to ±this
MAX_TORQUE = 2.0  # N·m
INITIAL_ANGLE = math.pi  # rad, initial angle drawn from ±this
INITIAL_SPEED = 1.0  # rad/s, initial angular velocity drawn from ±this
EPISODE_LENGTH = 200  # steps
HOLD_WINDOW = 100  # steps at the end of an episode over which fitness is measured
UPRIGHT_TOLERANCE = 0.2  # rad, |normalized_angle| below this counts as upright

_ACTIONS = BoxSpace(shape=(1,), low=-MAX_TORQUE, high=MAX_TORQUE)


def normalize_angle(angle: torch.Tensor) -> torch.Tensor:
    """Wrap an angle into [-π, π), exactly as Gymnasium's ``angle_normalize``."""
    return torch.remainder(angle + math.pi, 2 * math.pi) - math.pi


class Pendulum(BatchedTask):
    spec = TaskSpec(
        name="pendulum",
        description=(
            "Swing a pendulum up from a random angle and hold it upright with a torque-limited motor at the "
            "pivot. The motor cannot lift the pendulum directly from hanging: it has to swing back and forth "
            "to gain energy first. Episodes never end early; they last 200 steps."
        ),
        state_variables=(
            StateVariable(
                name="angle",
                unit="rad",
                description="Integrated angle, 0 upright, counter-clockwise positive; counts full turns.",
            ),
            StateVariable(
                name="angular_velocity",
                desired="zero",
                unit="rad/s",
                description="Angular velocity, counter-clockwise positive, clipped to [-8, 8].",
            ),
            StateVariable(
                name="normalized_angle",
                desired="zero",
                unit="rad",
                description="Angle from upright wrapped into [-pi, pi): 0 upright, ±pi hanging down.",
            ),
            StateVariable(
                name="tip_height",
                desired="high",
                unit="m",
                description="Height of the pendulum's free end above the pivot: 1 upright, -1 hanging.",
            ),
            *common_state_variables(_ACTIONS),
        ),
        observation=ObservationSpec(size=3, elements=("cos(angle)", "sin(angle)", "angular_velocity")),
        action_space=_ACTIONS,
        episode_length=EPISODE_LENGTH,
        dt=DT,
        fitness=FitnessSpec(
            name="upright_fraction",
            description="Fraction of the last 100 steps of the episode that the pendulum spent upright.",
            solved_threshold=0.9,
        ),
        **builtin_rewards("pendulum"),
        ppo=PPOHints(num_envs=64, steps=250_000, rollouts=64, learning_epochs=10, mini_batches=8, discount_factor=0.95),
    )

    def initial_state(self, count: int) -> State:
        uniform = torch.rand((count, 2), generator=self.generator, device=self.device, dtype=self.dtype)
        return self.complete_state(
            angle=(2 * uniform[:, 0] - 1) * INITIAL_ANGLE,
            angular_velocity=(2 * uniform[:, 1] - 1) * INITIAL_SPEED,
        )

    def complete_state(self, angle: torch.Tensor, angular_velocity: torch.Tensor) -> State:
        """The full task state for given integrated variables, e.g. to pass to :meth:`set_state`."""
        return {
            "angle": angle,
            "angular_velocity": angular_velocity,
            "normalized_angle": normalize_angle(angle),
            "tip_height": LENGTH * torch.cos(angle),
        }

    def dynamics(self, state: State, action: torch.Tensor) -> State:
        theta, theta_dot = state["angle"], state["angular_velocity"]
        torque = action[:, 0]
        # Gymnasium's expression, operation for operation, so float64 runs match it to rounding.
        theta_acc = 3 * GRAVITY / (2 * LENGTH) * torch.sin(theta) + 3.0 / (MASS * LENGTH**2) * torque
        new_theta_dot = (theta_dot + theta_acc * DT).clamp(-MAX_SPEED, MAX_SPEED)
        # Semi-implicit Euler: the angle moves with the new velocity.
        new_theta = theta + new_theta_dot * DT
        return self.complete_state(angle=new_theta, angular_velocity=new_theta_dot)

    def terminal(self, state: State) -> torch.Tensor:
        return torch.zeros_like(state["angle"], dtype=torch.bool)

    def observe(self, state: State) -> torch.Tensor:
        theta = state["angle"]
        return torch.stack((torch.cos(theta), torch.sin(theta), state["angular_velocity"]), dim=-1)

    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        in_window = state["episode_step"] > EPISODE_LENGTH - HOLD_WINDOW
        upright = state["normalized_angle"].abs() < UPRIGHT_TOLERANCE
        # Count whole steps rather than add 1/100 a hundred times, which overshoots 1.0 in float32.
        counted = (in_window & upright).to(fitness_so_far.dtype)
        return ((fitness_so_far * HOLD_WINDOW).round() + counted) / HOLD_WINDOW
