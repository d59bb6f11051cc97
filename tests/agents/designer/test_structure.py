"""The designer reads what should track what: declared and implied target pairs, directions, tilt and spin,
and builds terms from them that load, verify and pay for the task's structure."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rewardsmith.agents import RuleBasedDesigner, StaticCritic, default_genome, genome_from_code, render_reward
from rewardsmith.agents.designer.reward_terms import bounded_genome, term_pool
from rewardsmith.agents.designer.structure import tilt_and_spin, tracking_pairs
from rewardsmith.rewards import load_reward, verify_reward
from rewardsmith.tasks import StateVariable, load_task
from tests.agents.helpers import design_request, designed

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
GOAL_REACH = load_task(f"{EXAMPLES / 'goal_reach.py'}:GoalReach")


def _undeclared(task_class: type) -> type:
    """The task with no variable declaring a target: only the names say what reaches what."""
    spec = task_class.spec
    variables = tuple(v.model_copy(update={"target": None}) for v in spec.state_variables)
    return type("Undeclared", (task_class,), {"spec": spec.model_copy(update={"state_variables": variables})})


def test_a_declared_target_makes_a_pair_with_its_velocity_and_the_quoted_radius() -> None:
    (pair,) = tracking_pairs(GOAL_REACH.spec)
    assert (pair.variable, pair.target, pair.declared) == ("hand_position", "target_position", True)
    assert pair.velocity == "hand_velocity" and pair.heading is None
    assert pair.radius == 0.1  # "within 0.1 m of the target", from the task's description


def test_positions_that_name_one_another_pair_without_a_declaration() -> None:
    (pair,) = tracking_pairs(_undeclared(GOAL_REACH).spec)
    assert (pair.variable, pair.target, pair.declared) == ("hand_position", "target_position", False)
    (pair,) = tracking_pairs(load_task("point_reach").spec)
    assert (pair.variable, pair.target, pair.velocity) == ("position", "goal_position", "velocity")
    # Different units never pair, nor a goal with nothing that shares its name.
    assert tracking_pairs(load_task("cartpole").spec) == []


def test_the_default_genome_closes_the_distance_and_pays_for_reaching() -> None:
    genome = default_genome(GOAL_REACH.spec)
    kinds = {term.name: term.kind for term in genome.terms}
    assert kinds == {"hand_distance": "error", "hand_closing": "closing", "hand_reached": "reached", "effort": "effort"}
    # Built-in tasks that name their errors keep their defaults; the structure only widens their pool.
    point_reach = load_task("point_reach").spec
    assert not {t.name for t in default_genome(point_reach).terms} & {"position_distance", "position_closing"}
    assert {"position_distance", "position_approach", "position_closing"} <= {t.name for t in term_pool(point_reach)}


def _reward_on(task_class: type, code: str, workdir: Path, **state: torch.Tensor) -> dict[str, float]:
    reward = load_reward(code, task_class.spec, workdir=workdir)
    full = {"action": torch.zeros(1, 2), **state}
    total, parts = reward(full)
    return {"total": float(total[0]), **{name: float(value[0]) for name, value in parts.items()}}


def test_the_terms_pay_for_being_near_and_moving_toward_the_target(tmp_path: Path) -> None:
    code = render_reward(default_genome(GOAL_REACH.spec), GOAL_REACH.spec)
    target = torch.tensor([[0.5, 0.5]])
    near = _reward_on(
        GOAL_REACH,
        code,
        tmp_path / "near",
        hand_position=torch.tensor([[0.45, 0.5]]),
        hand_velocity=torch.zeros(1, 2),
        target_position=target,
    )
    toward = _reward_on(
        GOAL_REACH,
        code,
        tmp_path / "toward",
        hand_position=torch.tensor([[-0.5, 0.5]]),
        hand_velocity=torch.tensor([[0.5, 0.0]]),
        target_position=target,
    )
    away = _reward_on(
        GOAL_REACH,
        code,
        tmp_path / "away",
        hand_position=torch.tensor([[-0.5, 0.5]]),
        hand_velocity=torch.tensor([[-0.5, 0.0]]),
        target_position=target,
    )
    assert near["hand_reached"] == 1.0 and toward["hand_reached"] == 0.0
    assert near["hand_distance"] == pytest.approx(-0.05) and toward["hand_distance"] == pytest.approx(-1.0)
    assert toward["hand_closing"] == pytest.approx(0.125) and away["hand_closing"] == pytest.approx(-0.125)
    assert near["total"] > toward["total"] > away["total"]


def test_round_one_on_a_structured_task_loads_verifies_and_passes_the_critic(tmp_path: Path) -> None:
    candidates = designed(RuleBasedDesigner(), design_request(GOAL_REACH, samples=6))
    assert len({c.code for c in candidates}) == 6
    for candidate in candidates:
        assert StaticCritic().review(candidate, GOAL_REACH.spec).passed
        reward = load_reward(candidate.code, GOAL_REACH.spec, workdir=tmp_path / candidate.id)
        result = verify_reward(reward, GOAL_REACH, num_envs=8, steps=20)
        assert result.ok, result.error
        genome = genome_from_code(candidate.code)
        assert genome is not None and set(result.components) == {t.name for t in genome.terms}


def _with_variables(task_class: type, *extra: StateVariable) -> type:
    spec = task_class.spec
    spec = spec.model_copy(update={"state_variables": (*spec.state_variables, *extra)})
    return type("Extended", (task_class,), {"spec": spec})


def test_directions_heading_tilt_and_spin_give_their_own_terms(tmp_path: Path) -> None:
    extended = _with_variables(
        GOAL_REACH,
        StateVariable(name="heading", unit="rad", description="Where the hand faces, in [-pi, pi)."),
        StateVariable(name="torso_pitch", unit="rad", description="Forward lean of the torso."),
        StateVariable(name="body_angular_velocity", unit="rad/s", description="Spin about the vertical."),
        StateVariable(name="joint_angular_velocity", unit="rad/s", description="A joint's speed."),
        StateVariable(name="body_velocity", shape=(2,), unit="m/s", description="Body velocity.", direction=(2.0, 0.0)),
    )
    spec = extended.spec
    assert tracking_pairs(spec)[0].heading == "heading"
    assert [v.name for v in tilt_and_spin(spec)] == ["torso_pitch", "body_angular_velocity"]
    pool = {term.name: term for term in term_pool(spec)}
    assert pool["body_velocity_along"].direction == (1.0, 0.0)
    assert pool["hand_heading"].via == "heading"
    assert pool["torso_pitch_penalty"].kernel == pool["body_angular_velocity_penalty"].kernel == "square"
    state = {
        "hand_position": torch.tensor([[0.0, 0.0]]),
        "hand_velocity": torch.zeros(1, 2),
        "target_position": torch.tensor([[0.0, 1.0]]),
        "torso_pitch": torch.tensor([0.0]),
        "body_angular_velocity": torch.tensor([0.0]),
        "joint_angular_velocity": torch.tensor([0.0]),
    }
    for heading, forward in ((torch.pi / 2, 1.0), (-torch.pi / 2, -1.0)):
        code = render_reward(default_genome(spec), spec)
        parts = _reward_on(
            extended,
            code,
            tmp_path / f"h{forward}",
            heading=torch.tensor([heading]),
            body_velocity=torch.tensor([[forward, 0.0]]),
            **state,
        )
        assert parts["hand_heading"] == pytest.approx(0.1 * forward, abs=1e-6)
        assert (parts["body_velocity_along"] > 0) == (forward > 0)
    # Bounded twins of every structural term still load and verify.
    code = render_reward(bounded_genome(spec), spec)
    reward = load_reward(code, spec, workdir=tmp_path / "bounded")
    assert reward.parameters
