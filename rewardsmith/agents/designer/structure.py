"""What a task's state says should track what, read off its spec for the rule-based designer.

A spec declares it (a variable's ``target`` or ``direction``), or the names imply it: two positions of
the same shape and unit, one named for a goal (``target_position``, ``goal_xy``) and the other sharing
the rest of its name or named in its description, are a pair the designer closes the distance of.
Around a pair it finds the position's velocity (the same shape, the unit per second) and a heading
angle, for terms that reward moving and facing toward the target, and the obstacles the mover must go
around on its way (its ``avoid``), which turn the straight line into a path past them; and anywhere, the
tilt and spin variables a penalty keeps small.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.tasks.spec import Obstacle, StateVariable, TaskSpec

#: Name parts that mark a variable as the place another should reach.
GOAL_WORDS = frozenset({"goal", "target", "desired", "reference", "ref", "setpoint", "commanded", "command"})
TILT_WORDS = frozenset({"tilt", "pitch", "roll", "lean", "inclination"})
SPIN_WORDS = frozenset({"angular", "omega", "angvel", "gyro"})
#: A rate is a body's spin only when it names the body: a joint's angular velocity is how a task moves.
BODY_WORDS = frozenset({"torso", "body", "base", "root", "trunk", "chassis", "spin"})
HEADING_WORDS = frozenset({"heading", "yaw", "orientation", "theta"})
_WITHIN = re.compile(r"within\s+([0-9]*\.?[0-9]+)\s*(?:m|cm|mm|rad)?\b", re.IGNORECASE)


class TrackingPair(BaseModel):
    """A variable that should reach another, and what else the state offers about the approach."""

    model_config = ConfigDict(frozen=True)

    variable: str = Field(description="The variable that moves, e.g. a hand position.")
    target: str = Field(description="Where it should get to, of the same shape and unit.")
    declared: bool = Field(description="The spec declares the pair (else the names imply it).")
    velocity: str | None = Field(default=None, description="The variable's rate of change, if the state has it.")
    heading: str | None = Field(default=None, description="An angle the mover faces, for planar pairs.")
    radius: float | None = Field(default=None, gt=0, description="How close counts as reached, if the task says.")
    obstacles: tuple[Obstacle, ...] = Field(
        default=(), description="What the variable must go around on its way, from its spec's avoid."
    )


def tracking_pairs(task: TaskSpec) -> list[TrackingPair]:
    """Every declared pair, then every pair the names imply; each variable moves toward one target at most."""
    variables = [v for v in task.state_variables if not v.name.startswith("previous_") and v.dtype != "bool"]
    found: dict[str, tuple[str, bool]] = {}
    for variable in variables:
        if variable.target is not None:
            found[variable.name] = (variable.target, True)
    targets = {target for target, _ in found.values()}
    for goal in variables:
        if not _words(goal.name) & GOAL_WORDS or goal.name in found or goal.name in targets:
            continue
        for mover in variables:
            if mover.name not in found and mover is not goal and _names_one_another(mover, goal):
                found[mover.name] = (goal.name, False)
                break
    return [
        TrackingPair(
            variable=name,
            target=target,
            declared=declared,
            velocity=_velocity_of(task, task.state_variable(name)),
            heading=_heading_for(task, task.state_variable(name)),
            radius=_radius(task, task.state_variable(name)),
            obstacles=task.state_variable(name).avoid,
        )
        for name, (target, declared) in found.items()
    ]


def directed(task: TaskSpec) -> list[StateVariable]:
    """The variables whose spec names a direction they should grow along."""
    return [v for v in task.state_variables if v.direction is not None]


def tilt_and_spin(task: TaskSpec) -> list[StateVariable]:
    """Angles and angular rates the spec says nothing else about, which a small penalty should keep low."""
    pairs = {name for pair in tracking_pairs(task) for name in (pair.variable, pair.target, pair.heading)}
    found = []
    for variable in task.state_variables:
        if variable.desired is not None or variable.name in pairs or variable.name.startswith("previous_"):
            continue
        words = _words(variable.name)
        spin = words & BODY_WORDS and (words & SPIN_WORDS or "spin" in words)
        if (variable.unit == "rad" and words & TILT_WORDS) or (variable.unit == "rad/s" and spin):
            found.append(variable)
    return found


def _names_one_another(mover: StateVariable, goal: StateVariable) -> bool:
    if (mover.shape, mover.unit) != (goal.shape, goal.unit) or _words(mover.name) & GOAL_WORDS:
        return False
    rest = _words(goal.name) - GOAL_WORDS
    named = mover.name in goal.description or goal.name in mover.description
    return named or bool(rest and rest <= _words(mover.name))


def _velocity_of(task: TaskSpec, position: StateVariable) -> str | None:
    rates = [
        v
        for v in task.state_variables
        if v.shape == position.shape and v.unit == f"{position.unit}/s" and not v.name.startswith("previous_")
    ]
    if len(rates) > 1:
        # Several rates: the one that shares a name part with the position (hand_velocity for hand_position).
        rates = [v for v in rates if _words(v.name) & (_words(position.name) - {"position", "pos"})]
    return rates[0].name if len(rates) == 1 else None


def _heading_for(task: TaskSpec, position: StateVariable) -> str | None:
    if position.shape != (2,):
        return None
    angles = [v for v in task.state_variables if v.shape == () and v.unit == "rad" and _words(v.name) & HEADING_WORDS]
    return angles[0].name if len(angles) == 1 else None


def _radius(task: TaskSpec, position: StateVariable) -> float | None:
    for text in (task.description, position.description):
        match = _WITHIN.search(text)
        if match and float(match.group(1)) > 0:
            return float(match.group(1))
    return None


def _words(name: str) -> set[str]:
    return {word for word in re.split(r"[_\W]+", name.lower()) if word}
