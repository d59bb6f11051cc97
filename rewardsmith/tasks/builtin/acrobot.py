"""Acrobot swing-up, batched in torch; the same dynamics as Gymnasium's ``Acrobot-v1``.

Two links hang in a chain from a fixed, unactuated shoulder; a motor at the elbow applies -1, 0 or
+1 N·m. The policy must swing the free end above a line one link length over the shoulder. The
dynamics are Sutton and Barto's book version, integrated with one fourth-order Runge-Kutta step of
0.2 s, as Gymnasium does.

| state variable      | unit  | bounds     | meaning                                                     |
|---------------------|-------|------------|-------------------------------------------------------------|
| theta1              | rad   | [-π, π]    | shoulder angle, 0 = first link hanging straight down        |
| theta2              | rad   | [-π, π]    | elbow angle relative to the first link, 0 = links aligned   |
| angular_velocity1   | rad/s | [-4π, 4π]  | shoulder angular velocity                                   |
| angular_velocity2   | rad/s | [-9π, 9π]  | elbow angular velocity                                      |
| tip_height          | m     | [-2, 2]    | free end's height above the shoulder, ``-cos θ1 - cos(θ1+θ2)`` |
| elbow_height        | m     | [-1, 1]    | elbow's height above the shoulder, ``-cos θ1``              |
| tip_x               | m     | [-2, 2]    | free end's horizontal offset from the shoulder              |
| reached_goal        | -     | bool       | ``tip_height > 1``, which ends the episode                  |

Termination: the tip rises above 1 m over the shoulder. Truncation: 500 steps.
Fitness: ``1 - t/500`` if the tip got there after ``t`` steps, 0 if it never did. This is
Gymnasium's episode return (-1 per step) mapped onto [0, 1]: Gymnasium's "solved" return of -100
is a fitness of 0.8.
"""

from __future__ import annotations

import math

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
LINK_LENGTH_1 = 1.0  # m
LINK_MASS_1 = 1.0  # kg
LINK_MASS_2 = 1.0  # kg
LINK_COM_POS_1 = 0.5  # m, shoulder to the first link's centre of mass
LINK_COM_POS_2 = 0.5  # m, elbow to the second link's centre of mass
LINK_MOI = 1.0  # kg·m², moment of inertia of either link
MAX_VEL_1 = 4 * math.pi  # rad/s
MAX_VEL_2 = 9 * math.pi  # rad/s
DT = 0.2  # s between updates, one Runge-Kutta step
GOAL_HEIGHT = 1.0  # m, the tip must rise above this over the shoulder
INITIAL_RANGE = 0.1  # rad and rad/s, every initial state element is drawn from ±this
EPISODE_LENGTH = 500  # steps

_ACTIONS = DiscreteSpace(n=3, values=(-1.0, 0.0, 1.0))


def wrap_angle(angle: torch.Tensor) -> torch.Tensor:
    """Wrap into [-π, π] like Gymnasium's ``wrap``, which subtracts or adds whole turns."""
    turn = 2 * math.pi
    angle = torch.where(angle > math.pi, angle - turn, angle)
    angle = torch.where(angle < -math.pi, angle + turn, angle)
    # Gymnasium loops for larger excursions; one RK4 step at bounded speeds almost never needs a
    # second turn, so fold any rest at once instead of looping with a device sync per step.
    outside = (angle > math.pi) | (angle < -math.pi)
    return torch.where(outside, torch.remainder(angle + math.pi, turn) - math.pi, angle)


def _derivatives(state: torch.Tensor, torque: torch.Tensor) -> torch.Tensor:
    # Gymnasium's ``_dsdt`` ("book" equations) on ``state = [θ1, θ2, θ̇1, θ̇2]``, written operation
    # for operation in the same order so that float64 runs reproduce its rounding. Gymnasium
    # evaluates sin(θ2) three times; once gives the same bits.
    theta1, theta2, dtheta1, dtheta2 = state.unbind(-1)
    m1, m2, l1, lc1, lc2 = LINK_MASS_1, LINK_MASS_2, LINK_LENGTH_1, LINK_COM_POS_1, LINK_COM_POS_2
    i1 = i2 = LINK_MOI
    g = GRAVITY
    cos2, sin2 = torch.cos(theta2), torch.sin(theta2)
    d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * cos2) + i1 + i2
    d2 = m2 * (lc2**2 + l1 * lc2 * cos2) + i2
    phi2 = m2 * lc2 * g * torch.cos(theta1 + theta2 - math.pi / 2.0)
    phi1 = (
        -m2 * l1 * lc2 * dtheta2**2 * sin2
        - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin2
        + (m1 * lc1 + m2 * l1) * g * torch.cos(theta1 - math.pi / 2)
        + phi2
    )
    ddtheta2 = (torque + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1**2 * sin2 - phi2) / (m2 * lc2**2 + i2 - d2**2 / d1)
    ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    return torch.stack((dtheta1, dtheta2, ddtheta1, ddtheta2), dim=-1)


def _rk4_step(state: torch.Tensor, torque: torch.Tensor, dt: float) -> torch.Tensor:
    # Gymnasium's ``rk4`` over the two sample times [0, dt], the torque held constant.
    half = dt / 2.0
    k1 = _derivatives(state, torque)
    k2 = _derivatives(state + half * k1, torque)
    k3 = _derivatives(state + half * k2, torque)
    k4 = _derivatives(state + dt * k3, torque)
    return state + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


class Acrobot(BatchedTask):
    spec = TaskSpec(
        name="acrobot",
        description=(
            "Swing up a two-link pendulum hanging from a fixed shoulder, using only a motor at the elbow "
            "that applies -1, 0 or +1 N*m. The episode ends with success as soon as the free end rises more "
            "than one link length (1 m) above the shoulder, or after 500 steps. Reaching it sooner is better."
        ),
        state_variables=(
            StateVariable(
                name="theta1",
                unit="rad",
                description="Shoulder angle in [-pi, pi]; 0 when the first link hangs straight down.",
            ),
            StateVariable(
                name="theta2",
                unit="rad",
                description="Elbow angle relative to the first link in [-pi, pi]; 0 when the links align.",
            ),
            StateVariable(
                name="angular_velocity1",
                unit="rad/s",
                description="Shoulder angular velocity, clipped to [-4*pi, 4*pi].",
            ),
            StateVariable(
                name="angular_velocity2",
                unit="rad/s",
                description="Elbow angular velocity, clipped to [-9*pi, 9*pi].",
            ),
            StateVariable(
                name="tip_height",
                desired="high",
                unit="m",
                description="Height of the free end above the shoulder, -cos(theta1) - cos(theta1 + theta2), "
                "in [-2, 2]; the goal is above 1.",
            ),
            StateVariable(
                name="elbow_height",
                desired="high",
                unit="m",
                description="Height of the elbow above the shoulder, -cos(theta1), in [-1, 1].",
            ),
            StateVariable(
                name="tip_x",
                unit="m",
                description="Horizontal offset of the free end from the shoulder, sin(theta1) + sin(theta1 + theta2).",
            ),
            StateVariable(
                name="reached_goal",
                desired="true",
                dtype="bool",
                unit="-",
                description="True when the free end is more than 1 m above the shoulder; ends the episode.",
            ),
            *common_state_variables(_ACTIONS),
        ),
        observation=ObservationSpec(
            size=6,
            elements=(
                "cos(theta1)",
                "sin(theta1)",
                "cos(theta2)",
                "sin(theta2)",
                "angular_velocity1",
                "angular_velocity2",
            ),
        ),
        action_space=_ACTIONS,
        episode_length=EPISODE_LENGTH,
        dt=DT,
        fitness=FitnessSpec(
            name="speed_weighted_success",
            description="Whether the free end reached the goal height, weighted by how quickly it got there.",
            solved_threshold=0.8,
        ),
        **builtin_rewards("acrobot"),
        ppo=PPOHints(
            num_envs=64,
            steps=250_000,
            rollouts=64,
            learning_epochs=4,
            mini_batches=8,
            learning_rate=3e-4,
            gae_lambda=0.94,
        ),
    )

    def initial_state(self, count: int) -> State:
        uniform = torch.rand((count, 4), generator=self.generator, device=self.device, dtype=self.dtype)
        values = (2 * uniform - 1) * INITIAL_RANGE
        return self.complete_state(values[:, 0], values[:, 1], values[:, 2], values[:, 3])

    def complete_state(
        self,
        theta1: torch.Tensor,
        theta2: torch.Tensor,
        angular_velocity1: torch.Tensor,
        angular_velocity2: torch.Tensor,
    ) -> State:
        """The full task state for given integrated variables, e.g. to pass to :meth:`set_state`."""
        tip_height = -torch.cos(theta1) - torch.cos(theta2 + theta1)
        return {
            "theta1": theta1,
            "theta2": theta2,
            "angular_velocity1": angular_velocity1,
            "angular_velocity2": angular_velocity2,
            "tip_height": tip_height,
            "elbow_height": -torch.cos(theta1),
            "tip_x": torch.sin(theta1) + torch.sin(theta1 + theta2),
            "reached_goal": tip_height > GOAL_HEIGHT,
        }

    def dynamics(self, state: State, action: torch.Tensor) -> State:
        y = torch.stack(
            (state["theta1"], state["theta2"], state["angular_velocity1"], state["angular_velocity2"]), dim=-1
        )
        theta1, theta2, dtheta1, dtheta2 = _rk4_step(y, action, DT).unbind(-1)
        return self.complete_state(
            theta1=wrap_angle(theta1),
            theta2=wrap_angle(theta2),
            angular_velocity1=dtheta1.clamp(-MAX_VEL_1, MAX_VEL_1),
            angular_velocity2=dtheta2.clamp(-MAX_VEL_2, MAX_VEL_2),
        )

    def terminal(self, state: State) -> torch.Tensor:
        return state["reached_goal"]

    def observe(self, state: State) -> torch.Tensor:
        theta1, theta2 = state["theta1"], state["theta2"]
        return torch.stack(
            (
                torch.cos(theta1),
                torch.sin(theta1),
                torch.cos(theta2),
                torch.sin(theta2),
                state["angular_velocity1"],
                state["angular_velocity2"],
            ),
            dim=-1,
        )

    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        steps = state["episode_step"].to(fitness_so_far.dtype)
        return torch.where(state["reached_goal"], 1.0 - steps / EPISODE_LENGTH, fitness_so_far)
