"""The rule-based designer: valid, distinct, reproducible candidates, mutations that follow findings, and the
bounded transforms it writes when a finding or the gate exposes an exploit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

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
from rewardsmith.agents.designer.reward_terms import (
    RewardTerm,
    bound_term,
    bounded_genome,
    success_gate,
    term_pool,
    typical_scale,
    value_range,
)
from rewardsmith.agents.types import Feedback, Rejection
from rewardsmith.gate.judge import GateReport, Misranking, ProbeOutcome
from rewardsmith.rewards import load_reward, verify_reward
from rewardsmith.rewards.rubric import RubricCheckResult
from rewardsmith.rewards.transforms import REWARD_TRANSFORMS
from rewardsmith.tasks import BatchedTask, load_task
from tests.agents.helpers import BUILTIN_TASKS, design_request, designed
from tests.tasks.families import TORCH_TASKS


@pytest.mark.parametrize("name", BUILTIN_TASKS)
def test_round_one_candidates_load_verify_and_pass_the_critic(name: str, tmp_path: Path) -> None:
    task = load_task(name)
    candidates = designed(RuleBasedDesigner(), design_request(task, samples=4))

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
    first = designed(RuleBasedDesigner(), design_request(task, samples=2))[0]
    assert genome_from_code(first.code) == default_genome(task.spec)


def test_seeded_rounds_are_reproducible() -> None:
    task = load_task("pendulum")
    first = designed(RuleBasedDesigner(), design_request(task, samples=5, seed=7))
    again = designed(RuleBasedDesigner(), design_request(task, samples=5, seed=7))
    other = designed(RuleBasedDesigner(), design_request(task, samples=5, seed=8))

    assert [c.code for c in first] == [c.code for c in again]
    assert [c.code for c in first[1:]] != [c.code for c in other[1:]]


def test_the_genome_survives_a_round_trip_through_disk() -> None:
    task = load_task("mountain_car")
    candidate = designed(RuleBasedDesigner(), design_request(task, samples=3))[2]
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
    parent = designed(RuleBasedDesigner(), design_request(task, samples=1))[0]
    analysis = analysis_for(parent)
    feedback = Feedback(best=parent, best_fitness=analysis.fitness, analysis=analysis)
    children = designed(RuleBasedDesigner(), design_request(task, iteration=2, samples=samples, feedback=feedback))
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
    # A dominant alive bonus is also gated, so that surviving alone pays nothing.
    assert genomes[0].term("alive").transform == "gated"
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
    children = designed(RuleBasedDesigner(), design_request(task, iteration=2, samples=3, feedback=feedback))

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
    children = designed(RuleBasedDesigner(), design_request(task, iteration=2, samples=3, feedback=feedback))

    assert len(children) == 3
    assert all(genome_from_code(child.code) is not None for child in children)
    assert "carries no rule-based genome" in children[0].rationale


def test_the_pool_offers_progress_only_for_directed_pairs() -> None:
    pool = {term.name: term for term in term_pool(load_task("mountain_car").spec)}
    assert pool["position_progress"].sense == "increase"
    assert "velocity_progress" not in pool  # velocity has no desired direction
    pool = {term.name: term for term in term_pool(load_task("point_reach").spec)}
    assert pool["distance_to_goal_progress"].sense == "decrease"


# ---- bounded transforms ------------------------------------------------------------------------


def _assert_valid(candidate: Candidate, task: type[BatchedTask], workdir: Path) -> None:
    """The candidate passes the static critic, loads and verifies, with each transform keeping its promise."""
    verdict = StaticCritic().review(candidate, task.spec)
    assert verdict.passed, verdict.findings
    reward = load_reward(candidate.code, task.spec, workdir=workdir)
    result = verify_reward(reward, task, num_envs=16, steps=40)
    assert result.ok, result.error
    genome = genome_from_code(candidate.code)
    assert genome is not None
    for term in genome.terms:
        stats = result.component_stats[term.name]
        if term.transform == "clip_below":
            assert stats.max <= 0.0, term.name
        elif term.transform == "squash":
            # A saturated tanh pays the weight as float32 rounds it, a hair past the float64 weight.
            bound = term.weight * (1 + 1e-6)
            assert -bound <= stats.min and stats.max <= bound, term.name


def _every_transform(task: type[BatchedTask]) -> RewardGenome:
    """One genome holding every transformed term the designer can write on ``task``, each under its own name."""
    spec = task.spec
    terms: dict[str, RewardTerm] = {}
    gate = success_gate(spec)
    for term in term_pool(spec):
        variants = [bound_term(term, spec)]
        if term.kind == "progress":
            variants.append((term.model_copy(update={"transform": "delta"}), ""))
        if term.kind == "error":
            for kernel in ("linear", "square"):
                # Round-1 variants squash an unbounded kernel whether or not a potential could replace it.
                variants.append((term.model_copy(update={"kernel": kernel, "transform": "squash"}), ""))
                variants.append(bound_term(term.model_copy(update={"kernel": kernel}), spec))
        if term.kind in ("error", "height", "bounded", "alive") and gate is not None:
            update = {"transform": "gated", "gate": gate.variable, "gate_threshold": gate.threshold}
            variants.append((term.model_copy(update=update), ""))
        if term.kind in ("error", "height", "bounded"):
            variants.append((term.model_copy(update={"transform": "clip_below"}), ""))
        for variant in variants:
            if variant is not None:
                bounded = variant[0]
                name = f"{bounded.name}_{bounded.transform}_{bounded.kernel or 'x'}"
                terms[name] = RewardTerm.model_validate(bounded.model_dump() | {"name": name})
    return RewardGenome(task=spec.name, terms=list(terms.values()))


@pytest.mark.parametrize("name", BUILTIN_TASKS)
def test_every_transform_the_designer_writes_passes_the_critic_loads_and_verifies(name: str, tmp_path: Path) -> None:
    task = load_task(name)
    every = _every_transform(task)
    # In genomes of at most 5 terms: the verifier's speed limit is for one reward, not every variant summed
    # (point_reach's way around its obstacle is a dozen tensor operations per distance).
    chunks = [every.terms[start : start + 5] for start in range(0, len(every.terms), 5)]
    genomes = [bounded_genome(task.spec), *(RewardGenome(task=every.task, terms=terms) for terms in chunks)]
    used = {term.transform for genome in genomes for term in genome.terms}
    # Every torch task has something to gate and clip. A simulator variant whose goal no single variable
    # states (ant_stand_front: a pitch read from a quaternion) gives the rule-based designer less.
    if name in TORCH_TASKS:
        assert used >= {"gated", "clip_below"}, used
    if any(variable.startswith("previous_") for variable in task.spec.state_variable_names):
        assert used >= {"delta", "potential_shaping"}, used
    if any(term.kind == "error" for term in term_pool(task.spec)):
        assert "squash" in used
    for index, genome in enumerate(genomes):
        code = render_reward(genome, task.spec)
        assert genome_from_code(code) == genome
        candidate = Candidate(id=f"i01-c{index:02d}", iteration=1, code=code, designer="rule-based")
        _assert_valid(candidate, task, tmp_path)


def test_the_transforms_import_only_what_the_code_uses() -> None:
    spec = load_task("mountain_car").spec
    code = render_reward(bounded_genome(spec), spec)
    assert "from rewardsmith.rewards.transforms import delta, potential_shaping\n" in code
    assert "potential_shaping(" in code and "0.99, reached_goal)" in code
    assert "delta(-position, -previous_position)" in code
    assert set(REWARD_TRANSFORMS) >= {"delta", "potential_shaping"}


@pytest.mark.parametrize(
    ("name", "term", "transform"),
    [
        ("point_reach", "position_approach", "delta"),
        ("mountain_car", "position_shortfall", "potential_shaping"),
        ("mountain_car", "position_progress", "delta"),
        ("cartpole", "alive", "gated"),
        ("cartpole", "pole_angular_velocity_error", "gated"),
        ("pendulum", "angular_velocity_error", "gated"),
    ],
)
def test_round_one_offers_a_bounded_family(name: str, term: str, transform: str, tmp_path: Path) -> None:
    task = load_task(name)
    candidates = designed(RuleBasedDesigner(), design_request(task, samples=4))
    bounded = candidates[1]
    genome = genome_from_code(bounded.code)
    assert genome is not None and genome.term(term).transform == transform
    assert "bounded transforms" in bounded.rationale and f"'{term}'" in bounded.rationale
    _assert_valid(bounded, task, tmp_path)


def test_round_one_variants_also_squash_unbounded_kernels() -> None:
    task = load_task("cartpole")
    candidates = designed(RuleBasedDesigner(), design_request(task, samples=24))
    squashed = [
        term
        for candidate in candidates
        for term in (genome_from_code(candidate.code) or default_genome(task.spec)).terms
        if term.transform == "squash"
    ]
    assert squashed and all(term.kernel in ("linear", "square") for term in squashed)


def _hacked(component: str | None, kind: str = "reward_fitness_divergence", message: str = "farmed"):
    def analysis_for(parent: Candidate) -> Analysis:
        return _analysis(parent, [Finding(kind=kind, severity="hacking", message=message, component=component)])

    return analysis_for


@pytest.mark.parametrize(
    ("name", "component", "kind", "transform"),
    [
        ("cartpole", "alive", "reward_fitness_divergence", "gated"),
        ("cartpole", "cart_position_error", "reward_fitness_divergence", "gated"),
        ("cartpole", "pole_angle_error", "loitering", "clip_below"),
        ("pendulum", "tip_height_bonus", "reward_fitness_divergence", "clip_below"),
        ("point_reach", "position_approach", "oscillation", "potential_shaping"),
        ("mountain_car", "position_shortfall", "early_termination_exploit", "potential_shaping"),
        ("mountain_car", "position_progress", "reward_fitness_divergence", "potential_shaping"),
    ],
)
def test_a_hacked_component_is_bounded_in_every_child(
    name: str, component: str, kind: str, transform: str, tmp_path: Path
) -> None:
    task, _, parent_genome, children, genomes = _mutate(name, _hacked(component, kind), samples=4)

    assert parent_genome.term(component).transform != transform
    for child, genome in zip(children, genomes, strict=True):
        # Random variants perturb weights but neither drop the bounded term nor undo its transform.
        assert genome.term(component) is not None and genome.term(component).transform == transform, child.rationale
        _assert_valid(child, task, tmp_path)
    why = "it rose while fitness did not" if kind == "reward_fitness_divergence" else kind
    assert f"'{component}' " in children[0].rationale and why in children[0].rationale


def test_a_hacking_finding_without_a_component_bounds_what_its_kind_names() -> None:
    _, _, _, children, genomes = _mutate("point_reach", _hacked(None, "jittering", "the policy jitters"))
    assert genomes[0].term("position_approach").transform == "potential_shaping"
    assert "jittering" in children[0].rationale


def test_a_detector_finding_bounds_what_it_saw_paid_only_when_it_calls_it_hacking() -> None:
    def spinning(severity: str) -> Callable[[Candidate], Analysis]:
        def analysis_for(parent: Candidate) -> Analysis:
            finding = Finding(kind="spinning", severity=severity, message="the angle winds through 4 turns")
            return _analysis(parent, [finding])

        return analysis_for

    _, _, _, children, genomes = _mutate("pendulum", spinning("hacking"))
    assert genomes[0].term("tip_height_bonus").transform == "clip_below"
    assert genomes[0].term("normalized_angle_error").transform == "gated"
    assert "(spinning)" in children[0].rationale
    _, _, _, children, genomes = _mutate("pendulum", spinning("warning"))
    assert "no finding called for a change" in children[0].rationale


def test_a_hacked_term_no_transform_helps_is_still_dropped() -> None:
    _, _, _, children, genomes = _mutate("point_reach", _hacked("effort"))
    assert genomes[0].term("effort") is None
    assert "dropped 'effort'" in children[0].rationale


def gate_rejection(
    candidate_id: str, *probes: str, misranked_probe: str | None = None, reasons: list[str] | None = None
) -> Rejection:
    """A candidate the gate stopped: each of ``probes`` scored like competence, and ``misranked_probe``'s
    trajectory was ranked above a fitter one."""
    outcomes = [
        ProbeOutcome(
            probe=probe,
            source=f"probe/{probe}#0",
            fitness=0.0,
            probe_return=180.0,
            competent_return=95.0,
            outscored=True,
        )
        for probe in probes
    ]
    misrankings = []
    if misranked_probe is not None:
        misrankings.append(
            Misranking(
                better="reference/checkpoint_09#0",
                better_fitness=0.9,
                better_return=10.0,
                worse=f"probe/{misranked_probe}#1",
                worse_fitness=0.0,
                worse_return=12.0,
                worse_probe=misranked_probe,
            )
        )
    report = GateReport(
        passed=False,
        pool_version=1,
        trajectories=40,
        successes=20,
        card_test=None,
        card_violations=0,
        pairwise_accuracy=0.61 if misrankings else 0.9,
        pairs=100,
        rank_correlation=0.5,
        probes=outcomes,
        misrankings=misrankings,
        reasons=reasons or [f"probe '{probe}' outscored competent trajectories" for probe in probes],
    )
    kind = "gate_probe" if probes else "gate_ranking"
    return Rejection(candidate_id=candidate_id, stage="gate", kind=kind, reason="; ".join(report.reasons), gate=report)


def _rejected(task_name: str, rejection: Rejection, samples: int = 4) -> tuple[type[BatchedTask], list[Candidate]]:
    task = load_task(task_name)
    parent = designed(RuleBasedDesigner(), design_request(task, samples=1))[0]
    feedback = Feedback(best=parent, best_fitness=1.0, rejected=[rejection])
    return task, designed(RuleBasedDesigner(), design_request(task, iteration=2, samples=samples, feedback=feedback))


PAIRWISE = "pairwise preference accuracy 0.61 is below 0.70: the reward often prefers the worse of two trajectories"


@pytest.mark.parametrize(
    ("name", "rejection", "component", "transform"),
    [
        ("cartpole", gate_rejection("i01-c03", "idle"), "alive", "gated"),
        ("cartpole", gate_rejection("i01-c03", "random"), "alive", "gated"),
        ("pendulum", gate_rejection("i01-c03", "idle"), "tip_height_bonus", "clip_below"),
        ("point_reach", gate_rejection("i01-c03", "jitter/8"), "position_approach", "potential_shaping"),
        ("point_reach", gate_rejection("i01-c03", "circling/16"), "position_approach", "potential_shaping"),
        ("mountain_car", gate_rejection("i01-c03", "early_termination"), "position_progress", "potential_shaping"),
        (
            "point_reach",
            gate_rejection("i01-c03", "early_termination"),
            "position_approach",
            "potential_shaping",
        ),
        # A ranking failure and a winning probe together, as the gate reports them.
        (
            "point_reach",
            gate_rejection("i01-c03", "circling/16", reasons=[PAIRWISE, "probe 'circling/16' scored 41.2"]),
            "position_approach",
            "potential_shaping",
        ),
        # A ranking failure alone, with a probe's trajectory ranked above a fitter one.
        (
            "point_reach",
            gate_rejection("i01-c03", misranked_probe="jitter/24", reasons=[PAIRWISE]),
            "position_approach",
            "potential_shaping",
        ),
    ],
)
def test_a_gate_rejection_bounds_what_the_winning_probe_exploits(
    name: str, rejection: Rejection, component: str, transform: str, tmp_path: Path
) -> None:
    task, children = _rejected(name, rejection)
    for child in children:
        genome = genome_from_code(child.code)
        assert genome is not None and genome.term(component).transform == transform, child.rationale
        _assert_valid(child, task, tmp_path)
    assert "the gate rejected i01-c03" in children[0].rationale


def test_an_early_termination_rejection_also_cuts_the_time_penalty() -> None:
    task, children = _rejected("mountain_car", gate_rejection("i01-c03", "early_termination"))
    parent = default_genome(task.spec)
    genome = genome_from_code(children[0].code)
    assert genome is not None
    assert genome.term("time").weight == pytest.approx(parent.term("time").weight * 0.25)


def test_an_idle_rejection_keeps_random_variants_from_adding_an_alive_bonus() -> None:
    _, children = _rejected("point_reach", gate_rejection("i01-c03", "idle"), samples=12)
    genomes = [genome_from_code(child.code) for child in children]
    assert all(genome is not None and genome.term("alive") is None for genome in genomes)


@pytest.mark.parametrize(
    "rejection",
    [
        Rejection(candidate_id="i01-c03", stage="verify", kind="non_finite", reason="reward returned NaN"),
        Rejection(candidate_id="i01-c03", stage="critic", kind="forbidden_import", reason="forbidden_import 'os'"),
        gate_rejection(
            "i01-c03",
            reasons=[
                "the reward is not finite (or reads a variable the pool lacks) on 3 trajectories, e.g. probe/idle#0"
            ],
        ),
        Rejection(candidate_id="i01-c03", stage="verify", kind="sandbox_error", reason=""),
    ],
)
def test_a_rejection_that_names_no_exploit_changes_nothing(rejection: Rejection) -> None:
    _, children = _rejected("cartpole", rejection)
    assert "no finding called for a change" in children[0].rationale
    assert all("gated" not in child.code for child in children)


def test_rejections_without_a_trained_candidate_shape_the_default(tmp_path: Path) -> None:
    task = load_task("cartpole")
    feedback = Feedback(rejected=[gate_rejection("i01-c00", "idle")])
    children = designed(RuleBasedDesigner(), design_request(task, iteration=2, samples=3, feedback=feedback))
    genome = genome_from_code(children[0].code)
    assert genome is not None and genome.term("alive").transform == "gated"
    assert "the gate rejected i01-c00 for standing still" in children[0].rationale
    for child in children:
        _assert_valid(child, task, tmp_path)


@pytest.mark.parametrize("name", ["mountain_car", "point_reach"])
def test_delta_renders_the_same_progress_as_the_raw_term(name: str, tmp_path: Path) -> None:
    spec = load_task(name).spec
    progress = next(term for term in term_pool(spec) if term.kind == "progress")
    raw = RewardGenome(task=name, terms=[progress])
    telescoping = RewardGenome(task=name, terms=[progress.model_copy(update={"transform": "delta"})])
    generator = torch.Generator().manual_seed(0)
    state = {
        variable.name: torch.randn((8, *variable.shape), generator=generator)
        for variable in spec.state_variables
        if variable.dtype == "float32"
    }
    total_raw, _ = load_reward(render_reward(raw, spec), spec, workdir=tmp_path / "raw")(state)
    total_delta, _ = load_reward(render_reward(telescoping, spec), spec, workdir=tmp_path / "delta")(state)
    torch.testing.assert_close(total_delta, total_raw)


@pytest.mark.parametrize("name", BUILTIN_TASKS)
def test_every_candidate_the_designer_writes_with_a_transform_is_valid(name: str, tmp_path: Path) -> None:
    """Round 1, then round 2 after each component is called hacked and after each probe wins at the gate."""
    task = load_task(name)
    designer = RuleBasedDesigner()
    first = designed(designer, design_request(task, samples=8))
    # Also a parent with an untransformed term that admits a transform (an alive bonus where one is bounded,
    # else a penalty), as a random variant may add one where the default has none.
    default = default_genome(task.spec)
    boundable = [term for term in term_pool(task.spec) if bound_term(term, task.spec) is not None]
    added = next((term for term in boundable if term.kind == "alive"), boundable[0])
    with_alive = RewardGenome(task=name, terms=[t for t in default.terms if t.name != added.name] + [added])
    parents = [
        first[0],
        Candidate(id="i01-c07", iteration=1, code=render_reward(with_alive, task.spec), designer="rule-based"),
    ]
    feedbacks = []
    for parent in parents:
        feedbacks += [
            Feedback(best=parent, best_fitness=1.0, analysis=_hacked(term.name)(parent))
            for term in (genome_from_code(parent.code) or default).terms
        ]
        feedbacks += [
            Feedback(best=parent, best_fitness=1.0, rejected=[gate_rejection("i01-c01", probe)])
            for probe in ("idle", "random", "jitter", "circling", "early_termination")
        ]
    candidates = first + [
        child
        for feedback in feedbacks
        for child in designed(designer, design_request(task, iteration=2, samples=3, feedback=feedback))
    ]
    genomes = [genome_from_code(candidate.code) for candidate in candidates]
    transformed = [
        candidate
        for candidate, genome in zip(candidates, genomes, strict=True)
        if genome is not None and any(term.transform for term in genome.terms)
    ]
    assert transformed
    for candidate in transformed:
        _assert_valid(candidate, task, tmp_path)


def test_variants_of_a_speed_paid_without_bound_keep_their_effort_penalty() -> None:
    # Nothing else bounds how hard a linear speed term pays the actuators to push.
    candidates = designed(RuleBasedDesigner(), design_request(load_task("half_cheetah"), samples=16))
    genomes = [genome_from_code(candidate.code) for candidate in candidates]
    assert all(
        genome is not None and {"x_velocity_rate", "effort"} <= {t.name for t in genome.terms} for genome in genomes
    )


@pytest.mark.parametrize("name", ["hopper", "ant"])
def test_a_speed_on_a_task_that_ends_when_health_is_lost_keeps_an_alive_bonus(name: str) -> None:
    # Paid per step of speed alone, one dive forward is worth more than a gait that stays up (the ranked
    # bare-velocity hopper fell within a few hundred steps): every draft pays staying healthy.
    candidates = designed(RuleBasedDesigner(), design_request(load_task(name), samples=16))
    genomes = [genome_from_code(candidate.code) for candidate in candidates]
    assert all(
        genome is not None and {"x_velocity_rate", "alive"} <= {t.name for t in genome.terms} for genome in genomes
    )
    # Where nothing ends an episode early there is nothing to stay up for, and the default has no alive bonus.
    (cheetah,) = designed(RuleBasedDesigner(), design_request(load_task("half_cheetah"), samples=1))
    default = genome_from_code(cheetah.code)
    assert default is not None and "alive" not in {t.name for t in default.terms}
