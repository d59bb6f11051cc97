"""A goal-reaching task written as a user would, from the README's "Your own task" alone.

A 2-D hand is pushed across a walled plane to a target that moves from episode to episode, and must
hold it there. The state is raw: where the hand is, how fast it moves, where the target is. No
distance, no error variable, no success flag; ``hand_position`` only declares that it should reach
``target_position``. Tests run the offline designer on it, and ``bench/design_offline.py`` scores it.

rewardsmith design examples/goal_reach.py:GoalReach
"""

from __future__ import annotations

import torch

from rewardsmith.tasks import (
    BatchedTask,
    BoxSpace,
    FitnessSpec,
    ObservationSpec,
    PPOHints,
    State,
    StateVariable,
    TaskSpec,
)
from rewardsmith.tasks.spec import common_state_variables

MAX_FORCE = 1.0  # N along each axis, on a 1 kg hand
DAMPING = 2.0  # N·s/m: terminal speed 0.5 m/s per axis
DT = 0.05  # s
WALL = 1.0  # m, the plane is [-1, 1]²; the hand stops at its walls
START = 0.8  # m, hand and target start anywhere in [-0.8, 0.8]²
HOLD_RADIUS = 0.1  # m, the hand holds the target within this distance
EPISODE_LENGTH = 100  # steps
HOLD_FROM = 50  # steps: fitness counts the steps after this one

# The user's own reward: distance to the target plus an alive bonus.
REFERENCE = """
import torch


def compute_reward(hand_position, target_position):
    distance = torch.linalg.vector_norm(target_position - hand_position, dim=-1)
    alive = torch.ones_like(distance)
    return alive - distance, {"alive": alive, "distance": -distance}
"""
SPARSE = """
import torch


def compute_reward(hand_position, target_position):
    held = (torch.linalg.vector_norm(target_position - hand_position, dim=-1) < 0.1).float()
    return held, {"held": held}
"""

_ACTIONS = BoxSpace(shape=(2,), low=-MAX_FORCE, high=MAX_FORCE)


class GoalReach(BatchedTask):
    """Push a hand to a target and hold it there."""

    spec = TaskSpec(
        name="goal_reach",
        description=(
            "Push a hand on a walled plane to a target, whose position changes every episode, and hold it "
            "within 0.1 m of the target for the second half of the episode."
        ),
        state_variables=(
            StateVariable(
                name="hand_position",
                shape=(2,),
                unit="m",
                description="Hand position (x, y) in [-1, 1]; the walls stop it there.",
                target="target_position",
            ),
            StateVariable(name="hand_velocity", shape=(2,), unit="m/s", description="Hand velocity (vx, vy)."),
            StateVariable(
                name="target_position",
                shape=(2,),
                unit="m",
                description="Target position (x, y) in [-1, 1]; fixed within an episode.",
            ),
            *common_state_variables(_ACTIONS),
        ),
        observation=ObservationSpec(
            size=6,
            elements=("hand_x", "hand_y", "hand_vx", "hand_vy", "target_x - hand_x", "target_y - hand_y"),
        ),
        action_space=_ACTIONS,
        episode_length=EPISODE_LENGTH,
        dt=DT,
        fitness=FitnessSpec(
            name="held_share",
            description="Share of the episode's second half that the hand spent within 0.1 m of the target.",
            solved_threshold=0.8,
        ),
        sparse_reward_code=SPARSE,
        reference_reward_code=REFERENCE,
        ppo=PPOHints(steps=150_000, num_envs=64),
    )

    def initial_state(self, count: int) -> State:
        uniform = torch.rand((count, 4), generator=self.generator, device=self.device, dtype=self.dtype)
        points = START * (2.0 * uniform - 1.0)
        return {
            "hand_position": points[:, :2],
            "hand_velocity": torch.zeros_like(points[:, :2]),
            "target_position": points[:, 2:],
        }

    def dynamics(self, state: State, action: torch.Tensor) -> State:
        velocity = state["hand_velocity"] + DT * (action - DAMPING * state["hand_velocity"])
        position = state["hand_position"] + DT * velocity
        # A wall stops the hand along the axis it hits.
        hit = position.abs() > WALL
        return {
            "hand_position": position.clamp(-WALL, WALL),
            "hand_velocity": torch.where(hit, torch.zeros_like(velocity), velocity),
            "target_position": state["target_position"],
        }

    def terminal(self, state: State) -> torch.Tensor:
        return torch.zeros(state["hand_position"].shape[0], dtype=torch.bool, device=self.device)

    def observe(self, state: State) -> torch.Tensor:
        hand, target = state["hand_position"], state["target_position"]
        return torch.cat((hand, state["hand_velocity"], target - hand), dim=-1)

    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        distance = torch.linalg.vector_norm(state["target_position"] - state["hand_position"], dim=-1)
        counted = (state["episode_step"] > HOLD_FROM) & (distance < HOLD_RADIUS)
        return fitness_so_far + counted.to(fitness_so_far.dtype) / (EPISODE_LENGTH - HOLD_FROM)
