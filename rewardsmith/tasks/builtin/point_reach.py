"""Point reach around an obstacle: a 2-D point mass must get to a goal without touching a disc.

A 1 kg puck slides on a damped plane, the square arena [-1, 1]² m. The policy pushes it with a
force of up to 1 N along each axis. It starts on the left, the goal is on the right, and a disc of
radius 0.3 m sits at the origin, always across the straight line between them, so the puck must go
around it. Start and goal move a little from episode to episode: the policy has to read the goal
from its observation.

| state variable            | unit | bounds       | meaning                                              |
|---------------------------|------|--------------|------------------------------------------------------|
| position                  | m    | [-1, 1]²     | puck position; the obstacle's centre is the origin   |
| velocity                  | m/s  | ≈ [-1, 1]²   | puck velocity (damping caps it near 1 m/s per axis)  |
| goal_position             | m    | fixed        | centre of the goal disc, constant within an episode  |
| distance_to_goal          | m    | [0, 2.9]     | distance from the puck to the goal's centre          |
| previous_position         | m    | [-1, 1]²     | ``position`` one step earlier                        |
| previous_distance_to_goal | m    | [0, 2.9]     | ``distance_to_goal`` one step earlier                |
| obstacle_clearance        | m    | [-0.3, 1.1]  | distance to the obstacle's surface, < 0 inside it    |
| collided                  | -    | bool         | the puck is inside the obstacle (failure)            |
| out_of_bounds             | -    | bool         | the puck has left the arena (failure)                |
| reached_goal              | -    | bool         | the puck is within 0.1 m of the goal (success)       |

Termination: success, collision, or leaving the arena. Truncation: 200 steps (10 s).
Fitness: ``1 - 0.5·t/200`` if the puck reached the goal after ``t`` steps, 0 otherwise.
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
    Obstacle,
    PPOHints,
    StateVariable,
    TaskSpec,
    common_state_variables,
)

MASS = 1.0  # kg
MAX_FORCE = 1.0  # N along each axis
DAMPING = 1.0  # N·s/m, viscous friction; terminal speed MAX_FORCE / DAMPING = 1 m/s per axis
DT = 0.05  # s between updates
ARENA_HALF_WIDTH = 1.0  # m, the arena is [-1, 1]²
OBSTACLE_RADIUS = 0.3  # m, a disc centred at the origin
GOAL_RADIUS = 0.1  # m, the goal is reached within this distance of its centre
START_X = (-0.8, -0.6)  # m, range of the start's x; the puck starts at rest
GOAL_X = (0.6, 0.8)  # m, range of the goal's x
Y_RANGE = (-0.2, 0.2)  # m, range of both the start's and the goal's y
EPISODE_LENGTH = 200  # steps
SPEED_WEIGHT = 0.5  # share of a success's fitness that depends on how fast it was

_ACTIONS = BoxSpace(shape=(2,), low=-MAX_FORCE, high=MAX_FORCE)


class PointReach(BatchedTask):
    spec = TaskSpec(
        name="point_reach",
        description=(
            "Push a point mass on a damped 2-D plane (the arena [-1, 1] x [-1, 1] m) into a goal disc of "
            "radius 0.1 m. A circular obstacle of radius 0.3 m at the origin blocks the straight line from "
            "the start (left) to the goal (right), so the path must curve around it. Touching the obstacle "
            "or leaving the arena ends the episode as a failure; entering the goal ends it as a success. "
            "Start and goal positions vary between episodes; reaching the goal sooner is better."
        ),
        state_variables=(
            StateVariable(
                name="position",
                shape=(2,),
                unit="m",
                description="Point-mass position (x, y); the obstacle's centre is the origin.",
                avoid=(Obstacle(centre=(0.0, 0.0), radius=OBSTACLE_RADIUS),),
            ),
            StateVariable(name="velocity", shape=(2,), unit="m/s", description="Point-mass velocity (vx, vy)."),
            StateVariable(
                name="goal_position",
                shape=(2,),
                unit="m",
                description="Centre (x, y) of the goal disc; fixed within an episode.",
            ),
            StateVariable(
                name="distance_to_goal",
                desired="low",
                unit="m",
                description="Euclidean distance from the point mass to the goal's centre.",
            ),
            StateVariable(
                name="previous_position",
                shape=(2,),
                unit="m",
                description="position one step earlier (equal to it on an episode's first state).",
            ),
            StateVariable(
                name="previous_distance_to_goal",
                unit="m",
                description="distance_to_goal one step earlier (equal to it on an episode's first state).",
            ),
            StateVariable(
                name="obstacle_clearance",
                desired="high",
                unit="m",
                description="Distance from the point mass to the obstacle's surface; negative inside it.",
            ),
            StateVariable(
                name="collided",
                desired="false",
                dtype="bool",
                unit="-",
                description="True when the point mass is inside the obstacle; ends the episode as a failure.",
            ),
            StateVariable(
                name="out_of_bounds",
                desired="false",
                dtype="bool",
                unit="-",
                description="True when the point mass has left the arena; ends the episode as a failure.",
            ),
            StateVariable(
                name="reached_goal",
                desired="true",
                dtype="bool",
                unit="-",
                description="True when the point mass is within 0.1 m of the goal's centre; ends the "
                "episode as a success.",
            ),
            *common_state_variables(_ACTIONS),
        ),
        observation=ObservationSpec(
            size=6,
            elements=(
                "position_x",
                "position_y",
                "velocity_x",
                "velocity_y",
                "goal_x - position_x",
                "goal_y - position_y",
            ),
        ),
        action_space=_ACTIONS,
        episode_length=EPISODE_LENGTH,
        dt=DT,
        fitness=FitnessSpec(
            name="speed_weighted_success",
            description="Whether the point mass reached the goal without crashing, with faster arrivals "
            "scoring higher.",
            solved_threshold=0.8,
        ),
        **builtin_rewards("point_reach"),
        ppo=PPOHints(steps=300_000),
    )

    def initial_state(self, count: int) -> State:
        uniform = torch.rand((count, 4), generator=self.generator, device=self.device, dtype=self.dtype)
        y_low, y_high = Y_RANGE
        start = torch.stack(
            (
                START_X[0] + (START_X[1] - START_X[0]) * uniform[:, 0],
                y_low + (y_high - y_low) * uniform[:, 1],
            ),
            dim=-1,
        )
        goal = torch.stack(
            (
                GOAL_X[0] + (GOAL_X[1] - GOAL_X[0]) * uniform[:, 2],
                y_low + (y_high - y_low) * uniform[:, 3],
            ),
            dim=-1,
        )
        return self.complete_state(position=start, velocity=torch.zeros_like(start), goal_position=goal)

    def complete_state(
        self,
        position: torch.Tensor,
        velocity: torch.Tensor,
        goal_position: torch.Tensor,
        previous_distance_to_goal: torch.Tensor | None = None,
        previous_position: torch.Tensor | None = None,
    ) -> State:
        """The full task state for given integrated variables, e.g. to pass to :meth:`set_state`.

        Without a previous distance, the point mass is taken to have been where it is now.
        """
        distance = torch.linalg.vector_norm(goal_position - position, dim=-1)
        previous_distance = distance if previous_distance_to_goal is None else previous_distance_to_goal
        clearance = torch.linalg.vector_norm(position, dim=-1) - OBSTACLE_RADIUS
        return {
            "position": position,
            "velocity": velocity,
            "goal_position": goal_position,
            "distance_to_goal": distance,
            "previous_distance_to_goal": previous_distance,
            "previous_position": position if previous_position is None else previous_position,
            "obstacle_clearance": clearance,
            "collided": clearance < 0,
            "out_of_bounds": (position.abs() > ARENA_HALF_WIDTH).any(dim=-1),
            "reached_goal": distance < GOAL_RADIUS,
        }

    def dynamics(self, state: State, action: torch.Tensor) -> State:
        position, velocity = state["position"], state["velocity"]
        acceleration = (action - DAMPING * velocity) / MASS
        # Semi-implicit Euler: the position moves with the new velocity, which keeps damping stable.
        new_velocity = velocity + DT * acceleration
        new_position = position + DT * new_velocity
        return self.complete_state(
            position=new_position,
            velocity=new_velocity,
            goal_position=state["goal_position"],
            previous_distance_to_goal=state["distance_to_goal"],
            previous_position=position,
        )

    def terminal(self, state: State) -> torch.Tensor:
        return state["reached_goal"] | state["collided"] | state["out_of_bounds"]

    def observe(self, state: State) -> torch.Tensor:
        position, velocity = state["position"], state["velocity"]
        return torch.cat((position, velocity, state["goal_position"] - position), dim=-1)

    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        # Reaching excludes crashing: every goal disc lies inside the arena and clear of the obstacle.
        steps = state["episode_step"].to(fitness_so_far.dtype)
        arrival = 1.0 - SPEED_WEIGHT * steps / EPISODE_LENGTH
        return torch.where(state["reached_goal"], arrival, fitness_so_far)

    @classmethod
    def draw_episode(cls, figure: Any, episode: Mapping[str, Any]) -> bool:
        """The puck's path seen from above: the arena, the obstacle, the goal disc, start and end."""
        axes = figure.subplots()
        path, goal = episode["position"], episode["goal_position"][0]
        axes.add_patch(figure_circle((0.0, 0.0), OBSTACLE_RADIUS, "#bbbbbb"))
        axes.add_patch(figure_circle((float(goal[0]), float(goal[1])), GOAL_RADIUS, "#9fd89f"))
        axes.plot(path[:, 0], path[:, 1], color="#4878a8")
        axes.plot(path[0, 0], path[0, 1], "o", color="#4878a8", label="start")
        axes.plot(path[-1, 0], path[-1, 1], "s", color="#c05a28", label="end")
        axes.set_xlim(-ARENA_HALF_WIDTH, ARENA_HALF_WIDTH)
        axes.set_ylim(-ARENA_HALF_WIDTH, ARENA_HALF_WIDTH)
        axes.set_aspect("equal")
        axes.set_xlabel("x (m)")
        axes.set_ylabel("y (m)")
        axes.legend(fontsize=7, loc="upper left")
        return True


def figure_circle(centre: tuple[float, float], radius: float, colour: str) -> Any:
    """A filled disc for :meth:`PointReach.draw_episode`, imported only when a report draws one."""
    from matplotlib.patches import Circle

    return Circle(centre, radius, color=colour)
