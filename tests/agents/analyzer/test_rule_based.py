"""The rule-based analyzer: on a real tiny PPO run, and on synthetic training results."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.agents import Analysis, Candidate, RuleBasedAnalyzer, RuleBasedSpecWriter
from rewardsmith.tasks import load_task
from rewardsmith.training import Checkpoint, ComponentStats, TrainingResult
from tests.agents.conftest import TrainedRun

CARTPOLE = load_task("cartpole").spec
CANDIDATE = Candidate(id="i01-c00", iteration=1, code="", designer="rule-based")


@pytest.mark.slow
def test_reflection_on_a_real_run_lists_every_component_and_the_best_and_worst_episodes(
    cartpole_run: TrainedRun,
) -> None:
    analysis = RuleBasedAnalyzer().analyze(
        cartpole_run.candidate, cartpole_run.result, cartpole_run.run_dir, cartpole_run.rubric
    )

    names = set(cartpole_run.result.component_stats)
    assert {component.name for component in analysis.components} == names
    for name in names:
        assert f"component {name}: [" in analysis.reflection
        assert "Max:" in analysis.reflection and "Mean:" in analysis.reflection and "Min:" in analysis.reflection
    assert sum(component.share for component in analysis.components) == pytest.approx(1.0)
    best, worst = analysis.best_episode, analysis.worst_episode
    assert best is not None and worst is not None
    assert best.fitness >= worst.fitness
    assert set(best.components) == names
    assert "pole_angle (zero):" in best.summary
    assert "Best recorded episode (checkpoint" in analysis.reflection
    assert "Worst recorded episode (checkpoint" in analysis.reflection
    # Every machine check of the v1 rubric ran on the kept policy's recorded episode.
    checked = [r for r in analysis.rubric_results if r.check]
    assert checked and all(r.passed is not None for r in checked), analysis.rubric_results
    assert f"Rubric v{cartpole_run.rubric.version} checks" in analysis.reflection
    assert analysis.analyzer == "rule-based" and analysis.candidate_id == cartpole_run.candidate.id
    assert analysis.fitness == cartpole_run.result.fitness


def synthetic_result(
    returns: list[float], fitness: list[float], components: dict[str, list[float]], lengths: list[float] | None = None
) -> TrainingResult:
    """A training result with the given curves and no recorded episodes."""
    lengths = lengths or [100.0] * len(returns)
    checkpoints = [
        Checkpoint(
            index=i,
            step=1000 * (i + 1),
            wall_time_s=float(i),
            eval_fitness=fitness[i],
            eval_fitness_std=0.0,
            eval_episode_length=lengths[i],
            eval_return=returns[i],
            train_episodes=10,
            train_return=returns[i],
            train_episode_length=lengths[i],
            train_fitness=fitness[i],
            components={name: values[i] for name, values in components.items()},
        )
        for i in range(len(returns))
    ]
    stats = {
        name: ComponentStats(
            values=list(values),
            max=max(values),
            mean=sum(values) / len(values),
            min=min(values),
            trend=(values[-1] - values[0]) / (len(values) - 1),
        )
        for name, values in components.items()
    }
    best = max(range(len(fitness)), key=lambda i: fitness[i])
    return TrainingResult(
        task="cartpole",
        seed=0,
        device="cpu",
        num_envs=8,
        steps=1000 * len(returns),
        wall_time_s=1.0,
        env_steps_per_second=1000.0,
        checkpoints=checkpoints,
        component_stats=stats,
        fitness=fitness[best],
        final_fitness=fitness[-1],
        best_checkpoint=best,
        solved=fitness[best] >= CARTPOLE.fitness.solved_threshold,
    )


def analyze(result: TrainingResult, tmp_path: Path) -> Analysis:
    rubric = RuleBasedSpecWriter().initial(CARTPOLE)
    return RuleBasedAnalyzer().analyze(CANDIDATE, result, tmp_path, rubric, task=CARTPOLE)


def kinds(analysis: Analysis) -> set[str]:
    return {finding.kind for finding in analysis.findings}


def test_return_rising_while_fitness_falls_is_hacking(tmp_path: Path) -> None:
    result = synthetic_result(
        returns=[100, 200, 300, 400, 500],
        fitness=[400, 350, 250, 150, 100],
        components={"upright": [50, 55, 50, 52, 50], "spin": [50, 145, 250, 348, 450]},
    )
    analysis = analyze(result, tmp_path)

    assert analysis.hacking_suspected
    hacking = [f for f in analysis.findings if f.severity == "hacking"]
    assert [f.kind for f in hacking] == ["reward_fitness_divergence"]
    assert hacking[0].component == "spin"
    assert analysis.total_fitness_correlation is not None and analysis.total_fitness_correlation < -0.9
    assert "[hacking] reward_fitness_divergence" in analysis.reflection
    assert any("'spin'" in suggestion for suggestion in analysis.suggestions)


def test_return_and_fitness_rising_together_is_not_hacking(tmp_path: Path) -> None:
    result = synthetic_result(
        returns=[100, 200, 300, 400, 500],
        fitness=[100, 200, 300, 400, 500],
        components={"alive": [100, 200, 300, 400, 500], "upright": [40, 90, 140, 200, 240]},
        lengths=[100, 200, 300, 400, 500],
    )
    analysis = analyze(result, tmp_path)

    assert not analysis.hacking_suspected
    assert "reward_fitness_divergence" not in kinds(analysis)
    assert analysis.total_fitness_correlation == pytest.approx(1.0)


def test_return_rising_while_unsolved_fitness_stays_flat_is_hacking(tmp_path: Path) -> None:
    result = synthetic_result(
        returns=[10, 40, 70, 100], fitness=[50, 52, 49, 51], components={"bonus": [10, 40, 70, 100]}
    )
    assert analyze(result, tmp_path).hacking_suspected


def test_fitness_collapsing_after_its_peak_while_return_climbs_is_hacking(tmp_path: Path) -> None:
    result = synthetic_result(
        returns=[100, 200, 300, 400, 500],
        fitness=[100, 500, 500, 480, 150],
        components={"bonus": [100, 200, 300, 400, 500]},
    )
    assert analyze(result, tmp_path).hacking_suspected


def test_a_return_that_rises_only_by_avoiding_a_penalty_is_a_warning(tmp_path: Path) -> None:
    # The policy learns not to crash before it learns to succeed: the crash penalty shrinks, fitness stays at 0.
    result = synthetic_result(
        returns=[-10, -8, -5, -1], fitness=[10, 10, 10, 10], components={"crash": [-10, -8, -5, -1]}
    )
    analysis = analyze(result, tmp_path)
    divergence = [f for f in analysis.findings if f.kind == "reward_fitness_divergence"]

    assert not analysis.hacking_suspected
    assert [(f.severity, f.component) for f in divergence] == [("warning", "crash")]


def test_flat_dominant_and_anti_correlated_components_are_found(tmp_path: Path) -> None:
    result = synthetic_result(
        returns=[100, 150, 200, 250, 300],
        fitness=[100, 150, 200, 250, 300],
        components={
            "alive": [900, 900, 900, 900, 900],
            "upright": [40, 60, 80, 100, 120],
            "wobble": [300, 200, 100, 50, 0],
        },
    )
    analysis = analyze(result, tmp_path)
    by_kind = {(f.kind, f.component) for f in analysis.findings}

    assert ("flat_component", "alive") in by_kind
    assert ("dominant_component", "alive") in by_kind
    assert ("anti_correlated_component", "wobble") in by_kind
    assert ("anti_correlated_component", "upright") not in by_kind
    assert ("low_fitness", None) in by_kind
    assert not analysis.hacking_suspected


def test_a_per_step_penalty_that_only_grows_with_episode_length_is_not_anti_correlated(tmp_path: Path) -> None:
    # -0.01 per step: its episode sum falls as episodes (and cartpole's fitness) grow, its rate does not.
    lengths = [100.0, 200.0, 300.0, 400.0, 500.0]
    result = synthetic_result(
        returns=lengths,
        fitness=lengths,
        components={"alive": lengths, "calm": [-0.01 * n for n in lengths]},
        lengths=lengths,
    )
    assert "anti_correlated_component" not in kinds(analyze(result, tmp_path))


def test_without_recorded_episodes_the_digests_are_empty_and_checks_unevaluated(tmp_path: Path) -> None:
    result = synthetic_result(returns=[1, 2, 3], fitness=[1, 2, 3], components={"alive": [1, 2, 3]})
    analysis = analyze(result, tmp_path)

    assert analysis.best_episode is None and analysis.worst_episode is None
    assert all(r.passed is None for r in analysis.rubric_results)
    assert "Best recorded episode: none recorded." in analysis.reflection
