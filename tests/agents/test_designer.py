"""The rule-based designer: valid, distinct, reproducible candidates, and mutations that follow findings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rewardsmith.agents import (
    Analysis,
    Candidate,
    ComponentReflection,
    Finding,
    RewardGenome,
    RuleBasedDesigner,
    StaticCritic,
    default_genome,
    genome_from_code,
    render_reward,
)
from rewardsmith.agents.reward_terms import term_pool, typical_scale, value_range
from rewardsmith.agents.types import Feedback
from rewardsmith.rewards import load_reward, verify_reward
from rewardsmith.rewards.rubric import RubricCheckResult
from rewardsmith.tasks import BatchedTask, load_task

from .helpers import BUILTIN_TASKS, design_request


@pytest.mark.parametrize("name", BUILTIN_TASKS)
def test_round_one_candidates_load_verify_and_pass_the_critic(name: str, tmp_path: Path) -> None:
    task = load_task(name)
    candidates = RuleBasedDesigner().design(design_request(task, samples=4))

    assert [c.id for c in candidates] == ["i01-c00", "i01-c01", "i01-c02", "i01-c03"]
    assert len({c.code for c in candidates}) == 4, "candidates must differ"
    for candidate in candidates:
        assert candidate.designer == "rule-based" and candidate.iteration == 1 and candidate.parent_id is None
        verdict = StaticCritic().review(candidate, task.spec)
        assert verdict.passed and not [f for f in verdict.findings if f.severity == "error"], verdict.findings
        reward = load_reward(candidate.code, task.spec, workdir=tmp_path)
        result = verify_reward(reward, task, num_envs=16, steps=40)
        assert result.ok, result.error
        genome = genome_from_code(candidate.code)
        assert genome is not None and genome.task == name
        # Each term is one named component.
        assert set(result.components) == {term.name for term in genome.terms}


def test_the_first_candidate_is_the_default_genome() -> None:
    task = load_task("point_reach")
    first = RuleBasedDesigner().design(design_request(task, samples=2))[0]
    assert genome_from_code(first.code) == default_genome(task.spec)


def test_seeded_rounds_are_reproducible() -> None:
    task = load_task("pendulum")
    first = RuleBasedDesigner().design(design_request(task, samples=5, seed=7))
    again = RuleBasedDesigner().design(design_request(task, samples=5, seed=7))
    other = RuleBasedDesigner().design(design_request(task, samples=5, seed=8))

    assert [c.code for c in first] == [c.code for c in again]
    assert [c.code for c in first[1:]] != [c.code for c in other[1:]]


def test_the_genome_survives_a_round_trip_through_disk() -> None:
    task = load_task("mountain_car")
    candidate = RuleBasedDesigner().design(design_request(task, samples=3))[2]
    restored = Candidate.model_validate_json(candidate.model_dump_json())
    genome = genome_from_code(restored.code)
    assert genome is not None
    assert render_reward(genome, task.spec) == candidate.code


def test_code_without_a_genome_has_none() -> None:
    spec = load_task("cartpole").spec
    assert genome_from_code(spec.reference_reward_code) is None
    assert genome_from_code("no code at all") is None
    assert genome_from_code("# rewardsmith-genome: {not json}\nimport torch\n") is None


def test_scales_are_read_off_descriptions() -> None:
    pendulum = load_task("pendulum").spec
    assert value_range(pendulum.state_variable("normalized_angle")) == pytest.approx((-3.14159265, 3.14159265))
    assert value_range(pendulum.state_variable("angular_velocity")) == (-8.0, 8.0)
    acrobot = load_task("acrobot").spec
    assert value_range(acrobot.state_variable("angular_velocity2")) == pytest.approx((-9 * 3.14159265, 9 * 3.14159265))
    cartpole = load_task("cartpole").spec
    assert typical_scale(cartpole.state_variable("pole_angle")) == (0.2, False)


def _analysis(parent: Candidate, findings: list[Finding], shares: dict[str, float] | None = None, **extra) -> Analysis:
    components = [
        ComponentReflection(
            name=name, values=[1.0, 1.0], max=1.0, mean=1.0, min=1.0, trend=0.0, fitness_correlation=None, share=share
        )
        for name, share in (shares or {}).items()
    ]
    return Analysis(
        candidate_id=parent.id,
        fitness=10.0,
        components=components,
        total_fitness_correlation=None,
        best_episode=None,
        worst_episode=None,
        findings=findings,
        reflection="",
        analyzer="rule-based",
        **extra,
    )


def _mutate(
    task_name: str, analysis_for: Callable[[Candidate], Analysis], samples: int = 5
) -> tuple[type[BatchedTask], Candidate, RewardGenome, list[Candidate], list[RewardGenome]]:
    """Design a round-1 default parent, analyse it with ``analysis_for``, and design round 2 from it."""
    task = load_task(task_name)
    parent = RuleBasedDesigner().design(design_request(task, samples=1))[0]
    analysis = analysis_for(parent)
    feedback = Feedback(best=parent, best_fitness=analysis.fitness, analysis=analysis)
    children = RuleBasedDesigner().design(design_request(task, iteration=2, samples=samples, feedback=feedback))
    parent_genome = genome_from_code(parent.code)
    assert parent_genome is not None
    child_genomes: list[RewardGenome] = []
    for child in children:
        genome = genome_from_code(child.code)
        assert genome is not None
        child_genomes.append(genome)
    return task, parent, parent_genome, children, child_genomes


def test_a_dominant_component_is_scaled_down_in_every_child() -> None:
    def dominated(parent: Candidate) -> Analysis:
        finding = Finding(kind="dominant_component", severity="warning", message="alive dominates", component="alive")
        return _analysis(parent, [finding], shares={"alive": 0.9, "pole_angle_error": 0.1})

    _, parent, parent_genome, children, genomes = _mutate("cartpole", dominated)

    before = parent_genome.term("alive")
    assert before is not None
    for child, genome in zip(children, genomes, strict=True):
        after = genome.term("alive")
        assert after is not None and after.weight < before.weight, child.rationale
        assert child.parent_id == parent.id and child.iteration == 2 and child.id.startswith("i02-")
    # The guided mutation itself moves the weight by the promised factor: towards a half share.
    assert genomes[0].term("alive").weight == pytest.approx(before.weight * (0.1 / 0.9), rel=1e-3)
    assert "'alive' weight" in children[0].rationale and "dominant" in children[0].rationale
    assert len({child.code for child in children}) == len(children)


def test_a_flat_component_is_raised_and_an_anti_correlated_one_dropped() -> None:
    def mixed(parent: Candidate) -> Analysis:
        return _analysis(
            parent,
            [
                Finding(kind="flat_component", severity="warning", message="flat", component="pole_angle_error"),
                Finding(
                    kind="anti_correlated_component",
                    severity="warning",
                    message="anti",
                    component="cart_velocity_error",
                ),
                Finding(kind="flat_component", severity="warning", message="flat", component="alive"),
            ],
        )

    _, _, parent_genome, _, genomes = _mutate("cartpole", mixed)

    for genome in genomes:
        assert genome.term("pole_angle_error").weight > parent_genome.term("pole_angle_error").weight
        assert genome.term("cart_velocity_error") is None
    # An alive bonus is flat by construction; the guided mutation leaves it alone.
    assert genomes[0].term("alive").weight == parent_genome.term("alive").weight


def test_hacking_drops_the_farmed_term_and_low_fitness_adds_missing_success() -> None:
    def hacked(parent: Candidate) -> Analysis:
        return _analysis(
            parent,
            [
                Finding(kind="reward_fitness_divergence", severity="hacking", message="farmed", component="effort"),
                Finding(kind="low_fitness", severity="warning", message="low"),
            ],
        )

    task = load_task("point_reach")
    # A parent without the success bonus, as an earlier mutation might have left it.
    base = default_genome(task.spec)
    stripped = RewardGenome(task=base.task, terms=[t for t in base.terms if t.kind != "success"])
    parent = Candidate(id="i01-c03", iteration=1, code=render_reward(stripped, task.spec), designer="rule-based")
    analysis = hacked(parent)
    feedback = Feedback(best=parent, best_fitness=0.1, analysis=analysis)
    children = RuleBasedDesigner().design(design_request(task, iteration=2, samples=3, feedback=feedback))

    guided = genome_from_code(children[0].code)
    assert guided is not None
    assert guided.term("effort") is None
    assert guided.term("reached_goal_bonus") is not None
    assert "dropped 'effort'" in children[0].rationale and "added 'reached_goal_bonus'" in children[0].rationale


def test_a_rubric_violation_raises_the_terms_on_its_variables() -> None:
    def violated(parent: Candidate) -> Analysis:
        return _analysis(
            parent,
            [
                Finding(
                    kind="rubric_violation",
                    severity="warning",
                    message="pole wobbles",
                    criterion="pole_angle_near_zero",
                )
            ],
            rubric_results=[
                RubricCheckResult(
                    criterion_id="pole_angle_near_zero", check="mean(abs(pole_angle)) < 0.1", passed=False, value=0.2
                )
            ],
        )

    _, _, parent_genome, _, genomes = _mutate("cartpole", violated)
    for genome in genomes:
        assert genome.term("pole_angle_error").weight > parent_genome.term("pole_angle_error").weight


def test_a_parent_without_a_genome_starts_from_the_default() -> None:
    task = load_task("cartpole")
    parent = Candidate(id="i01-c07", iteration=1, code=task.spec.reference_reward_code, designer="gpt")
    analysis = _analysis(parent, [])
    feedback = Feedback(best=parent, best_fitness=100.0, analysis=analysis)
    children = RuleBasedDesigner().design(design_request(task, iteration=2, samples=3, feedback=feedback))

    assert len(children) == 3
    assert all(genome_from_code(child.code) is not None for child in children)
    assert "carries no rule-based genome" in children[0].rationale


def test_the_pool_offers_progress_only_for_directed_pairs() -> None:
    pool = {term.name: term for term in term_pool(load_task("mountain_car").spec)}
    assert pool["position_progress"].sense == "increase"
    assert "velocity_progress" not in pool  # velocity has no desired direction
    pool = {term.name: term for term in term_pool(load_task("point_reach").spec)}
    assert pool["distance_to_goal_progress"].sense == "decrease"
