"""Mountain car with a continuous throttle, batched in torch; Gymnasium's ``MountainCarContinuous-v0``.

A car sits in a valley between two hills. Its engine is too weak to drive straight up the right-hand
hill, so the policy must rock back and forth to build momentum. The original has no time scale:
velocity is the change of position per step, and one step is taken to last one second.

| state variable    | unit   | bounds          | meaning                                               |
|-------------------|--------|-----------------|-------------------------------------------------------|
| position          | m      | [-1.2, 0.6]     | position along the track; the valley floor is ≈ -0.52 |
| velocity          | m/step | [-0.07, 0.07]   | velocity, positive to the right (towards the goal)    |
| previous_position | m      | [-1.2, 0.6]     | ``position`` one step earlier                         |
| previous_velocity | m/step | [-0.07, 0.07]   | ``velocity`` one step earlier                         |
| height            | m      | [0.1, 1.0]      | track height ``0.45·sin(3·position) + 0.55``          |
| reached_goal      | -      | bool            | the car is at the flag (position ≥ 0.45, moving right) |

Termination: the car reaches the flag, position ≥ 0.45 with velocity ≥ 0. Truncation: 999 steps.
Fitness: ``1 − 0.5·t/999`` if the car reached the flag after ``t`` steps, 0 if it never did; success
dominates, and among successes faster is better.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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

POWER = 0.0015  # m/step² of velocity change per unit of throttle
GRAVITY_TERM = 0.0025  # m/step², scale of the slope's pull, ``GRAVITY_TERM·cos(3·position)``
MAX_SPEED = 0.07  # m/step, velocity is clipped to ±this
MIN_POSITION = -1.2  # m, the left wall; the car stops dead against it
MAX_POSITION = 0.6  # m, the right end of the track
GOAL_POSITION = 0.45  # m, where the flag is
GOAL_VELOCITY = 0.0  # m/step, minimum velocity at the flag
INITIAL_POSITION = (-0.6, -0.4)  # m, range of the initial position; the car starts at rest
DT = 1.0  # s, nominal: the original dynamics are per step
EPISODE_LENGTH = 999  # steps
SPEED_WEIGHT = 0.5  # share of a success's fitness that depends on how fast it was

_ACTIONS = BoxSpace(shape=(1,), low=-1.0, high=1.0)


def track_height(position: torch.Tensor) -> torch.Tensor:
    """Height of the track at ``position``, in m (the curve Gymnasium draws)."""
    return torch.sin(3 * position) * 0.45 + 0.55


class MountainCar(BatchedTask):
    spec = TaskSpec(
        name="mountain_car",
        description=(
            "Drive an underpowered car out of a valley to the flag on top of the right-hand hill "
            "(position >= 0.45). The engine cannot climb the hill directly: the car has to rock back and "
            "forth to build momentum. The episode ends when the car reaches the flag, or after 999 steps."
        ),
        state_variables=(
            StateVariable(
                name="position",
                desired="high",
                unit="m",
                description="Position along the track in [-1.2, 0.6]; valley floor near -0.52, flag at 0.45.",
            ),
            StateVariable(
                name="velocity",
                unit="m/step",
                description="Velocity in [-0.07, 0.07], positive to the right (towards the flag).",
            ),
            StateVariable(name="previous_position", unit="m", description="Position one step earlier."),
            StateVariable(name="previous_velocity", unit="m/step", description="Velocity one step earlier."),
            StateVariable(
                name="height",
                desired="high",
                unit="m",
                description="Height of the track under the car, 0.45*sin(3*position) + 0.55, in [0.1, 1.0].",
            ),
            StateVariable(
                name="reached_goal",
                desired="true",
                dtype="bool",
                unit="-",
                description="True when the car is at the flag (position >= 0.45, velocity >= 0); ends the episode.",
            ),
            *common_state_variables(_ACTIONS),
        ),
        observation=ObservationSpec(size=2, elements=("position", "velocity")),
        action_space=_ACTIONS,
        episode_length=EPISODE_LENGTH,
        dt=DT,
        fitness=FitnessSpec(
            name="speed_weighted_success",
            description="Whether the car reached the flag, with faster arrivals scoring a little higher.",
            solved_threshold=0.85,
        ),
        **builtin_rewards("mountain_car"),
        ppo=PPOHints(num_envs=64, rollouts=64, mini_batches=8, learning_rate=3e-4, entropy_loss_scale=0.001),
    )

    def initial_state(self, count: int) -> State:
        low, high = INITIAL_POSITION
        uniform = torch.rand(count, generator=self.generator, device=self.device, dtype=self.dtype)
        return self.complete_state(position=low + (high - low) * uniform, velocity=torch.zeros_like(uniform))

    def complete_state(
        self,
        position: torch.Tensor,
        velocity: torch.Tensor,
        previous_position: torch.Tensor | None = None,
        previous_velocity: torch.Tensor | None = None,
    ) -> State:
        """The full task state for given integrated variables, e.g. to pass to :meth:`set_state`.

        Without a previous position and velocity, the car is taken to have been where it is now.
        """
        return {
            "position": position,
            "velocity": velocity,
            "previous_position": position if previous_position is None else previous_position,
            "previous_velocity": velocity if previous_velocity is None else previous_velocity,
            "height": track_height(position),
            "reached_goal": (position >= GOAL_POSITION) & (velocity >= GOAL_VELOCITY),
        }

    def dynamics(self, state: State, action: torch.Tensor) -> State:
        position, velocity = state["position"], state["velocity"]
        force = action[:, 0]
        # The velocity is updated first and the position moves with the new velocity, as in Gymnasium.
        new_velocity = velocity + force * POWER - GRAVITY_TERM * torch.cos(3 * position)
        new_velocity = new_velocity.clamp(-MAX_SPEED, MAX_SPEED)
        new_position = (position + new_velocity).clamp(MIN_POSITION, MAX_POSITION)
        # The left wall is inelastic: a car driving into it stops.
        at_wall = (new_position <= MIN_POSITION) & (new_velocity < 0)
        new_velocity = torch.where(at_wall, torch.zeros_like(new_velocity), new_velocity)
        return self.complete_state(
            position=new_position,
            velocity=new_velocity,
            previous_position=position,
            previous_velocity=velocity,
        )

    def terminal(self, state: State) -> torch.Tensor:
        return state["reached_goal"]

    def observe(self, state: State) -> torch.Tensor:
        return torch.stack((state["position"], state["velocity"]), dim=-1)

    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        steps = state["episode_step"].to(fitness_so_far.dtype)
        arrival = 1.0 - SPEED_WEIGHT * steps / EPISODE_LENGTH
        return torch.where(state["reached_goal"], arrival, fitness_so_far)

    @classmethod
    def draw_episode(cls, figure: Any, episode: Mapping[str, Any]) -> bool:
        """The car on the hill: the track's height profile, the car's positions coloured by time, the flag."""
        axes = figure.subplots()
        track = torch.linspace(MIN_POSITION, MAX_POSITION, 200)
        axes.plot(track.numpy(), track_height(track).numpy(), color="#999")
        positions = episode["position"]
        points = axes.scatter(positions, episode["height"], c=range(len(positions)), s=6)
        figure.colorbar(points, ax=axes, label="step")
        axes.axvline(GOAL_POSITION, color="#2a8a2a", linestyle="--", label="flag")
        axes.set_xlabel("position (m)")
        axes.set_ylabel("height (m)")
        axes.legend(fontsize=7, loc="upper left")
        return True
