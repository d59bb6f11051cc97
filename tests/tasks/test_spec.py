"""What a spec may say a state variable should do: reach another variable, or grow along a direction."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rewardsmith.tasks import StateVariable, load_task, render_context
from rewardsmith.tasks.spec import TaskSpec

GOAL_REACH = load_task(f"{Path(__file__).resolve().parents[2] / 'examples' / 'goal_reach.py'}:GoalReach")


def _with(*variables: StateVariable) -> TaskSpec:
    spec = GOAL_REACH.spec
    return TaskSpec.model_validate(spec.model_dump() | {"state_variables": [v.model_dump() for v in variables]})


HAND = StateVariable(name="hand", shape=(2,), unit="m", description="Hand.")


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ((HAND.model_copy(update={"target": "goal"}),), "targets 'goal', which the task does not declare"),
        (
            (
                HAND.model_copy(update={"target": "goal"}),
                StateVariable(name="goal", shape=(3,), unit="m", description="Goal."),
            ),
            "a target needs the same shape and unit",
        ),
        (
            (
                HAND.model_copy(update={"target": "goal"}),
                StateVariable(name="goal", shape=(2,), unit="rad", description="Goal."),
            ),
            "a target needs the same shape and unit",
        ),
    ],
)
def test_a_target_must_be_a_variable_of_the_same_shape_and_unit(
    variables: tuple[StateVariable, ...], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _with(*variables)


def test_a_direction_has_one_number_per_element_and_is_not_zero() -> None:
    with pytest.raises(ValidationError, match="has 2 element"):
        StateVariable(name="v", shape=(2,), unit="m/s", description="V.", direction=(1.0,))
    with pytest.raises(ValidationError, match="all-zero direction"):
        StateVariable(name="h", unit="m", description="Height.", direction=(0.0,))
    with pytest.raises(ValidationError, match="names itself"):
        StateVariable(name="h", unit="m", description="Height.", target="h")
    assert StateVariable(name="h", unit="m", description="Height.", direction=(1.0,)).direction == (1.0,)


def test_the_context_tells_designers_what_should_reach_what() -> None:
    context = render_context(GOAL_REACH)
    line = next(line for line in context.splitlines() if line.strip().startswith("hand_position:"))
    assert line.endswith("[should reach target_position]")
    spec = _with(
        StateVariable(name="forward_velocity", unit="m/s", description="Speed.", direction=(1.0,), desired="high")
    )
    rendered = render_context(type("Runner", (GOAL_REACH,), {"spec": spec}))
    assert "[should grow along [1.0]; desired high]" in rendered


def test_an_obstacle_has_a_centre_in_its_positions_space_and_the_context_names_it() -> None:
    with pytest.raises(ValidationError, match=r"centred at \[0.0\]; avoid needs a position of 2 or more"):
        StateVariable(name="hand", shape=(2,), unit="m", description="Hand.", avoid=({"centre": (0.0,), "radius": 1},))
    with pytest.raises(ValidationError, match="greater than 0"):
        StateVariable(name="hand", shape=(2,), unit="m", description="Hand.", avoid=({"centre": (0, 0), "radius": 0},))
    context = render_context(load_task("point_reach"))
    line = next(line for line in context.splitlines() if line.strip().startswith("position:"))
    assert line.endswith("[must go around the disc of radius 0.3 at [0.0, 0.0]]")
