"""The designer reads what should track what: declared and implied target pairs, directions, tilt and spin,
and builds terms from them that load, verify and pay for the task's structure."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rewardsmith.agents import RuleBasedDesigner, StaticCritic, default_genome, genome_from_code, render_reward
from rewardsmith.agents.designer.reward_terms import bounded_genome, structural_terms, term_pool
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
    cartpole = load_task("cartpole").spec
    assert {t.name for t in default_genome(cartpole).terms} <= {t.name for t in term_pool(cartpole)} - {
        t.name for t in structural_terms(cartpole)
    }


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


def test_an_obstacle_across_the_way_turns_the_distance_into_the_path_around_it(tmp_path: Path) -> None:
    task = load_task("point_reach")
    spec = task.spec
    (pair,) = tracking_pairs(spec)
    assert [(o.centre, o.radius) for o in pair.obstacles] == [((0.0, 0.0), 0.3)]
    pool = {term.name: term for term in term_pool(spec)}
    # The path keeps a sixth of the radius off the surface; nothing pays for heading straight at the goal.
    assert pool["position_distance"].around == pool["position_approach"].around
    assert pool["position_approach"].around is not None and pool["position_approach"].around.radius == 0.35
    assert "position_closing" not in pool
    # No named error measures the way around: its progress and the clearance replace straight-line progress.
    names = [term.name for term in default_genome(spec).terms]
    assert {"position_approach", "position_clearance"} <= set(names) and "distance_to_goal_progress" not in names
    code = render_reward(default_genome(spec), spec)
    goal = torch.tensor([[0.7, 0.0]])

    def step(before: list[float], after: list[float]) -> dict[str, float]:
        position, previous = torch.tensor([after]), torch.tensor([before])
        state = {"position": position, "previous_position": previous, "goal_position": goal}
        flags = {name: torch.tensor([False]) for name in ("collided", "out_of_bounds", "reached_goal")}
        return _reward_on(task, code, tmp_path / f"{after}", **state, **flags)

    # In front of the disc, a step aside lengthens the straight line but shortens the way around it.
    aside = step([-0.5, 0.0], [-0.5, 0.05])
    assert aside["position_approach"] > 0.3
    assert aside["position_clearance"] == 0.0
    # Within the margin of the surface (0.05 m) the clearance penalty grows, to the weight at contact.
    grazing = step([-0.33, 0.0], [-0.32, 0.0])
    assert grazing["position_clearance"] == pytest.approx(-0.5 * (0.05 - 0.02) / 0.05, abs=1e-5)


def test_the_path_around_matches_the_geometry_of_a_detour(tmp_path: Path) -> None:
    spec = load_task("point_reach").spec
    namespace: dict[str, object] = {}
    exec(render_reward(default_genome(spec), spec), namespace)  # the designer's own code, as ranking runs it
    path_around = namespace["path_around"]
    assert callable(path_around)
    start, goal = torch.tensor([[-1.0, 0.0], [-1.0, 1.0]]), torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    length = path_around(start, goal, [0.0, 0.0], 0.5)
    # Blocked: two tangents of sqrt(1 - 0.25) and the arc between their touching points, pi - 2 acos(0.5).
    blocked = 2 * 0.75**0.5 + 0.5 * (torch.pi - 2 * torch.pi / 3)
    assert length.tolist() == pytest.approx([blocked, 2.0], abs=1e-5)  # the second segment clears the disc


def test_a_speed_with_no_quoted_bound_is_paid_linearly_in_its_direction(tmp_path: Path) -> None:
    for name, forward in (("half_cheetah", 1.0), ("half_cheetah_backward", -1.0)):
        task = load_task(name)
        (term,) = [term for term in default_genome(task.spec).terms if term.variable == "x_velocity"]
        assert term.kind == "rate"
        code = render_reward(default_genome(task.spec), task.spec)
        still = {"action": torch.zeros(1, 6), "torso_angular_velocity": torch.zeros(1)}
        paid = [
            _reward_on(task, code, tmp_path / f"{name}{speed}", x_velocity=torch.tensor([speed]), **still)[term.name]
            for speed in (forward, 4 * forward)
        ]
        # A tanh at the unit's scale (1 m/s) would pay 4 m/s barely more than 1 m/s.
        assert paid == pytest.approx([1.0, 4.0])
    # A rate whose description quotes a range keeps its normalised bonus.
    spec = _with_variables(
        GOAL_REACH, StateVariable(name="spin_rate", unit="rad/s", description="In [0, 8].", desired="high")
    ).spec
    assert {t.kind for t in term_pool(spec) if t.variable == "spin_rate"} == {"height"}
