"""What every planar or legged MuJoCo locomotion task exposes to reward code, read from ``data``.

Positions come from ``data.qpos`` and velocities from ``data.qvel``; ``x_velocity`` is the one
Gymnasium computes for its own reward, the torso's displacement over the step divided by ``dt``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import gymnasium
import numpy as np
import torch
from numpy.typing import ArrayLike

from rewardsmith.tasks.adapters.gymnasium_task import GymnasiumTask
from rewardsmith.tasks.evidence import EpisodeFact
from rewardsmith.tasks.protocol import State
from rewardsmith.tasks.spec import StateVariable

#: What a locomotion variant asks of the robot; it decides which way good behaviour moves the variables.
Goal = Literal["forward", "backward", "jump", "stand_front"]
# Running backwards is growth of x velocity along -1, not a low x velocity: 'low' reads as "near zero"
# to a designer, the way a distance is low. Forwards keeps 'high', which its measured default genome uses.
_X_DESIRED: dict[Goal, Literal["high"] | None] = {
    "forward": "high",
    "backward": None,
    "jump": None,
    "stand_front": None,
}
_X_DIRECTION: dict[Goal, tuple[float, ...] | None] = {
    "forward": (1.0,),
    "backward": (-1.0,),
    "jump": None,
    "stand_front": None,
}


def planar_variables(joints: int, healthy: bool, goal: Goal) -> tuple[StateVariable, ...]:
    """State variables of a robot that moves in the x-z plane (hopper, half_cheetah): root x, z, pitch, then joints."""
    variables = (
        StateVariable(name="x_position", unit="m", description="Torso x position; +x is forwards."),
        StateVariable(
            name="x_velocity",
            unit="m/s",
            desired=_X_DESIRED[goal],
            direction=_X_DIRECTION[goal],
            description="Torso x velocity over the last step (displacement / dt); positive is forwards.",
        ),
        StateVariable(
            name="torso_height",
            unit="m",
            desired="high" if goal == "jump" else None,
            description="Torso height (z) above the ground.",
        ),
        StateVariable(name="torso_angle", unit="rad", description="Torso pitch; 0 is the initial upright pose."),
        StateVariable(name="torso_angular_velocity", unit="rad/s", description="Torso pitch rate."),
        StateVariable(name="z_velocity", unit="m/s", description="Torso vertical velocity; positive is up."),
        StateVariable(
            name="joint_angles", shape=(joints,), unit="rad", description="Angles of the leg joints, root excluded."
        ),
        StateVariable(
            name="joint_velocities", shape=(joints,), unit="rad/s", description="Angular velocities of the leg joints."
        ),
    )
    return (*variables, _healthy_variable()) if healthy else variables


def _healthy_variable() -> StateVariable:
    # No `desired`: the flag is true from the first step and must stay so, which is not a goal to reach
    # (a rule-based spec would read "true" as one and time the goal by it).
    return StateVariable(
        name="is_healthy",
        dtype="bool",
        unit="-",
        description="The torso's height and angle are in the healthy range; the episode ends when this turns false.",
    )


def ant_variables(goal: Goal) -> tuple[StateVariable, ...]:
    """State variables of Gymnasium's Ant: a free-floating torso and eight leg joints."""
    return (
        StateVariable(name="x_position", unit="m", description="Torso x position; +x is forwards."),
        StateVariable(name="y_position", unit="m", description="Torso y position."),
        StateVariable(
            name="x_velocity",
            unit="m/s",
            desired=_X_DESIRED[goal],
            direction=_X_DIRECTION[goal],
            description="Torso x velocity over the last step (displacement / dt); positive is forwards.",
        ),
        StateVariable(name="y_velocity", unit="m/s", description="Torso y velocity over the last step."),
        StateVariable(name="torso_height", unit="m", description="Torso height (z) above the ground."),
        StateVariable(
            name="torso_orientation",
            shape=(4,),
            unit="-",
            description="Torso orientation as a unit quaternion (w, x, y, z); (1, 0, 0, 0) is upright, facing +x.",
        ),
        StateVariable(
            name="torso_pitch",
            unit="rad",
            desired="high" if goal == "stand_front" else None,
            description="Torso pitch about the y axis, from the orientation; positive tilts the front (+x) end down.",
        ),
        StateVariable(
            name="torso_angular_velocity", shape=(3,), unit="rad/s", description="Torso angular velocity (x, y, z)."
        ),
        StateVariable(name="joint_angles", shape=(8,), unit="rad", description="Angles of the eight leg joints."),
        StateVariable(
            name="joint_velocities", shape=(8,), unit="rad/s", description="Angular velocities of the leg joints."
        ),
        StateVariable(
            name="contact_forces",
            shape=(78,),
            unit="N",
            description="External contact forces and torques on the 13 bodies (6 each), clipped to [-1, 1].",
        ),
        _healthy_variable(),
    )


def quaternion_pitch(orientation: np.ndarray) -> float:
    """Pitch about the y axis of a (w, x, y, z) quaternion; positive tilts the +x end down."""
    w, x, y, z = orientation
    return float(np.arcsin(np.clip(2.0 * (w * y - z * x), -1.0, 1.0)))


class LocomotionTask(GymnasiumTask):
    """What every locomotion task's report shows of an episode: where the torso went, and how high it stayed."""

    @classmethod
    def episode_facts(cls, episode: Mapping[str, Any]) -> list[EpisodeFact]:
        x, velocity = np.asarray(episode["x_position"], float), np.asarray(episode["x_velocity"], float)
        height = np.asarray(episode["torso_height"], float)
        return [
            EpisodeFact(
                name="x displacement",
                value=float(x[-1] - x[0]),
                unit="m",
                meaning="torso's net travel along x; positive is forwards, negative backwards",
            ),
            EpisodeFact(
                name="mean x velocity",
                value=float(velocity.mean()),
                unit="m/s",
                meaning="positive is forwards, negative backwards",
            ),
            EpisodeFact(
                name="share of steps moving backwards",
                value=float((velocity < 0).mean()),
                unit="-",
                meaning="fraction of steps with negative x velocity",
            ),
            EpisodeFact(
                name="median torso height", value=float(np.median(height)), unit="m", meaning="above the ground"
            ),
        ]

    @classmethod
    def draw_episode(cls, figure: Any, episode: Mapping[str, Any]) -> bool:
        """The torso's x position and height against time: which way, how far, and whether it stayed up."""
        x, height = np.asarray(episode["x_position"], float), np.asarray(episode["torso_height"], float)
        moved = float(x[-1] - x[0])
        along, up = figure.subplots(2, 1, sharex=True)
        along.plot(x, color="#4878a8")
        along.axhline(x[0], color="#999999", linewidth=0.8, linestyle="--")
        along.set_ylabel("torso x (m)")
        way = "forwards" if moved >= 0 else "backwards"
        along.set_title(f"moved {moved:+.2f} m ({way})", fontsize=9)
        up.plot(height, color="#c05a28")
        up.set_ylabel("torso height (m)")
        up.set_xlabel("step")
        return True


class PlanarLocomotionTask(LocomotionTask):
    """Hopper and HalfCheetah: root x, z and pitch in ``qpos[:3]``, then the joints."""

    has_health_check: ClassVar[bool]
    #: +1 where fitness is the distance travelled along +x, -1 where it is the distance along -x.
    fitness_direction: ClassVar[float] = 1.0

    def extract(self, env: gymnasium.Env[Any, Any], info: dict[str, Any]) -> dict[str, ArrayLike]:
        sim = env.unwrapped
        qpos, qvel = sim.data.qpos, sim.data.qvel  # type: ignore[attr-defined]
        values: dict[str, ArrayLike] = {
            "x_position": qpos[0],
            "x_velocity": info["x_velocity"],
            # The torso's height itself: HalfCheetah's rootz joint counts from its start pose, not the ground.
            "torso_height": sim.data.body("torso").xpos[2],  # type: ignore[attr-defined]
            "torso_angle": qpos[2],
            "torso_angular_velocity": qvel[2],
            "z_velocity": qvel[1],
            "joint_angles": qpos[3:],
            "joint_velocities": qvel[3:],
        }
        if self.has_health_check:
            values["is_healthy"] = sim.is_healthy  # type: ignore[attr-defined]
        return values

    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        # One fused op: this runs every step of every batch.
        return fitness_so_far.add(state["x_velocity"], alpha=self.fitness_direction * self.spec.dt)


class AntTask(LocomotionTask):
    """Gymnasium's Ant: a free joint (position, quaternion) in ``qpos[:7]``, then eight joints."""

    def extract(self, env: gymnasium.Env[Any, Any], info: dict[str, Any]) -> dict[str, ArrayLike]:
        sim = env.unwrapped
        qpos, qvel = sim.data.qpos, sim.data.qvel  # type: ignore[attr-defined]
        return {
            "x_position": qpos[0],
            "y_position": qpos[1],
            "x_velocity": info["x_velocity"],
            "y_velocity": info["y_velocity"],
            "torso_height": qpos[2],
            "torso_orientation": qpos[3:7],
            "torso_pitch": quaternion_pitch(qpos[3:7]),
            "torso_angular_velocity": qvel[3:6],
            "joint_angles": qpos[7:],
            "joint_velocities": qvel[6:],
            "contact_forces": np.asarray(sim.contact_forces[1:]).reshape(-1),  # type: ignore[attr-defined]
            "is_healthy": sim.is_healthy,  # type: ignore[attr-defined]
        }
