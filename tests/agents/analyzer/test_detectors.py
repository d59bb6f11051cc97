"""Reward-hacking detectors: each on a small synthetic run written here, and silence on real reference runs."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest

from rewardsmith.agents import Analysis, Candidate, RuleBasedAnalyzer, RuleBasedSpecCorrector, RuleBasedSpecWriter
from rewardsmith.agents.analyzer.detectors import detect_hacking, load_recordings
from rewardsmith.agents.analyzer.detectors.constant_action import constant_action
from rewardsmith.agents.analyzer.detectors.decorrelation import return_fitness_decorrelation
from rewardsmith.agents.analyzer.detectors.early_termination import early_termination_exploit
from rewardsmith.agents.analyzer.detectors.loitering import loitering
from rewardsmith.agents.analyzer.detectors.oscillation import oscillation
from rewardsmith.agents.analyzer.detectors.spinning import spinning
from rewardsmith.agents.types import Finding
from rewardsmith.rewards import load_reward
from rewardsmith.rewards.rubric import evaluate_check
from rewardsmith.tasks import load_task
from rewardsmith.tasks.spec import TaskSpec
from rewardsmith.training import Checkpoint, TrainConfig, TrainingResult, train

CARTPOLE = load_task("cartpole").spec
PENDULUM = load_task("pendulum").spec
POINT_REACH = load_task("point_reach").spec
CANDIDATE = Candidate(id="i03-c02", iteration=3, code="", designer="rule-based")


def run(
    spec: TaskSpec,
    *,
    fitness: list[float],
    returns: list[float] | None = None,
    lengths: list[float] | None = None,
    best: int | None = None,
) -> TrainingResult:
    """A training result with the given evaluation curves; every checkpoint has an episode file."""
    returns = returns or [0.0] * len(fitness)
    lengths = lengths or [float(spec.episode_length)] * len(fitness)
    best = max(range(len(fitness)), key=lambda i: fitness[i]) if best is None else best
    checkpoints = [
        Checkpoint(
            index=i,
            step=1000 * (i + 1),
            wall_time_s=float(i),
            eval_fitness=fitness[i],
            eval_fitness_std=0.0,
            eval_episode_length=lengths[i],
            eval_return=returns[i],
            train_episodes=4,
            train_return=returns[i],
            train_episode_length=lengths[i],
            train_fitness=fitness[i],
            episode_file=f"episodes/checkpoint_{i:02d}.npz",
        )
        for i in range(len(fitness))
    ]
    return TrainingResult(
        task=spec.name,
        seed=0,
        device="cpu",
        num_envs=4,
        steps=1000 * len(fitness),
        wall_time_s=1.0,
        env_steps_per_second=1000.0,
        checkpoints=checkpoints,
        component_stats={},
        fitness=fitness[best],
        final_fitness=fitness[-1],
        best_checkpoint=best,
        solved=fitness[best] >= spec.fitness.solved_threshold,
    )


def recording(
    lengths: list[int], fitness: list[float], reward: list[np.ndarray] | None = None, **state: list[np.ndarray]
) -> dict[str, np.ndarray]:
    """Episodes as evaluation records them: [episodes, T, ...] traces, NaN after each episode's length."""
    horizon = max(lengths)
    arrays: dict[str, np.ndarray] = {}

    def padded(traces: list[np.ndarray]) -> np.ndarray:
        out = []
        for trace, length in zip(traces, lengths, strict=True):
            trace = np.asarray(trace, dtype=np.float64)[:length]
            pad = np.full((horizon - length, *trace.shape[1:]), math.nan)
            out.append(np.concatenate([trace, pad]))
        return np.stack(out)

    for name, traces in state.items():
        arrays[f"state/{name}"] = padded(traces)
    rewards = reward or [np.zeros(length) for length in lengths]
    arrays["reward_total"] = padded(rewards)
    arrays["reward/total"] = arrays["reward_total"]
    arrays["length"] = np.array(lengths)
    arrays["fitness"] = np.array(fitness)
    return arrays


def kinds(findings: list[Finding]) -> dict[str, str]:
    return {finding.kind: finding.severity for finding in findings}


def corrected_check(finding: Finding, spec: TaskSpec) -> str:
    """The machine check the spec corrector writes for a hacking finding."""
    v1 = RuleBasedSpecWriter().initial(spec)
    analysis = Analysis(
        candidate_id=CANDIDATE.id,
        fitness=0.0,
        components=[],
        total_fitness_correlation=None,
        best_episode=None,
        worst_episode=None,
        findings=[finding],
        hacking_suspected=True,
        reflection="",
        analyzer="rule-based",
    )
    v2 = RuleBasedSpecCorrector().correct(v1, analysis, CANDIDATE)
    assert v2 is not None
    added = {c.id: c for c in v2.criteria}[f"no_exploit_{finding.kind}"]
    assert added.check is not None and CANDIDATE.id in added.text
    assert any(f"added no_exploit_{finding.kind}" in line for line in v2.diff)
    return added.check


# ---- the return against the fitness ----------------------------------------------------------------


def test_a_return_that_moves_against_the_fitness_is_hacking() -> None:
    # No trend for the divergence check to see: the checkpoints that earn most simply do the task worst.
    result = run(PENDULUM, fitness=[0.2, 0.6, 0.1, 0.7, 0.3, 0.5], returns=[50, 10, 60, 5, 40, 20])
    [finding] = return_fitness_decorrelation(result, PENDULUM)

    assert (finding.kind, finding.severity) == ("return_fitness_decorrelation", "hacking")
    values = finding.evidence
    assert float(values["correlation"]) < -0.5 and int(values["checkpoints"]) == 6
    assert int(values["best_return_checkpoint"]) == 2


def test_a_return_climbing_as_the_fitness_falls_is_left_to_the_divergence_check() -> None:
    result = run(PENDULUM, fitness=[0.6, 0.5, 0.4, 0.3, 0.2], returns=[10, 20, 15, 30, 25])
    assert return_fitness_decorrelation(result, PENDULUM) == []


def test_a_return_that_wanders_apart_from_the_fitness_is_a_warning() -> None:
    result = run(PENDULUM, fitness=[0.1, 0.5, 0.2, 0.6, 0.3, 0.7], returns=[10, 10, 30, 30, 20, 20])
    [finding] = return_fitness_decorrelation(result, PENDULUM)
    assert finding.severity == "warning" and -0.5 < float(finding.evidence["correlation"]) < 0.3


@pytest.mark.parametrize(
    ("fitness", "returns"),
    [
        ([0.95, 1.0, 0.92, 1.0, 0.97], [-900, -300, -600, -200, -100]),  # solved throughout: clamped, constant
        ([0.6, 0.5, 0.4, 0.3], [10, 20, 15, 30]),  # four checkpoints are too few
        ([0.1, 0.3, 0.5, 0.7, 0.9], [10, 25, 50, 70, 95]),  # they follow each other
        ([0.5, 0.52, 0.49, 0.51, 0.5], [10, 50, 20, 80, 30]),  # the fitness barely moves
    ],
)
def test_no_decorrelation_alarm_without_two_moving_curves_apart(fitness: list[float], returns: list[float]) -> None:
    assert return_fitness_decorrelation(run(PENDULUM, fitness=fitness, returns=returns), PENDULUM) == []


def test_a_per_step_penalty_that_falls_as_episodes_grow_is_not_hacking() -> None:
    # -1 per step on cartpole: the return falls exactly as the fitness (the length) rises.
    lengths = [20.0, 80.0, 150.0, 300.0, 450.0]
    result = run(CARTPOLE, fitness=lengths, returns=[-n for n in lengths], lengths=lengths)
    assert "hacking" not in kinds(return_fitness_decorrelation(result, CARTPOLE)).values()


# ---- oscillation ------------------------------------------------------------------------------------


def _pendulum_recording(action: np.ndarray, angle: np.ndarray, episodes: int = 2) -> dict[str, np.ndarray]:
    length = len(action)
    return recording(
        [length] * episodes,
        [0.1] * episodes,
        action=[action[:, None]] * episodes,
        angle=[angle] * episodes,
        normalized_angle=[angle] * episodes,
        angular_velocity=[np.zeros(length)] * episodes,
        tip_height=[np.cos(angle)] * episodes,
    )


def test_a_body_shaken_back_and_forth_for_rising_return_is_hacking() -> None:
    steps = np.arange(200)
    kept = _pendulum_recording(action=2.0 * (-1.0) ** steps, angle=np.pi + 0.4 * (-1.0) ** steps)
    result = run(PENDULUM, fitness=[0.05, 0.1, 0.1], returns=[-500, -300, -100])
    [finding] = oscillation(result, kept, PENDULUM)

    assert (finding.kind, finding.severity) == ("oscillation", "hacking")
    values = finding.evidence
    assert values["variable"] in ("angle", "normalized_angle") and float(values["turn_rate"]) > 0.9
    check = corrected_check(finding, PENDULUM)
    assert check.startswith(f"reversals({values['variable']}) < ")
    assert evaluate_check(check, kept).passed is False
    still = _pendulum_recording(action=0.01 * (-1.0) ** steps, angle=0.001 * (-1.0) ** steps)
    assert evaluate_check(check, still).passed is True


def test_a_chattering_actuator_alone_is_a_warning() -> None:
    steps = np.arange(200)
    kept = _pendulum_recording(action=2.0 * (-1.0) ** steps, angle=np.full(200, np.pi))
    result = run(PENDULUM, fitness=[0.05, 0.1, 0.1], returns=[-500, -300, -100])
    [finding] = oscillation(result, kept, PENDULUM)
    assert finding.severity == "warning" and finding.evidence["variable"] == "action"


def test_small_corrections_and_solved_tasks_are_not_oscillation() -> None:
    steps = np.arange(200)
    jitter = _pendulum_recording(action=0.2 * (-1.0) ** steps, angle=0.01 * (-1.0) ** steps)
    unsolved = run(PENDULUM, fitness=[0.05, 0.1], returns=[-500, -100])
    assert oscillation(unsolved, jitter, PENDULUM) == []
    shaking = _pendulum_recording(action=2.0 * (-1.0) ** steps, angle=0.4 * (-1.0) ** steps)
    assert oscillation(run(PENDULUM, fitness=[0.5, 0.95]), shaking, PENDULUM) == []


# ---- loitering --------------------------------------------------------------------------------------


def _point_reach_recording(distance: np.ndarray, reward: np.ndarray, reached_at: int | None = None):
    length = len(distance) if reached_at is None else reached_at
    reached = np.zeros(length)
    if reached_at is not None:
        reached[-1] = 1.0
    position = np.stack([distance, np.zeros_like(distance)], axis=1)
    return recording(
        [length, length],
        [0.0 if reached_at is None else 0.9] * 2,
        reward=[reward[:length]] * 2,
        distance_to_goal=[distance[:length]] * 2,
        reached_goal=[reached] * 2,
        position=[position[:length]] * 2,
        collided=[np.zeros(length)] * 2,
        out_of_bounds=[np.zeros(length)] * 2,
        action=[np.zeros((length, 2))] * 2,
    )


def test_hovering_near_a_paid_target_without_finishing_is_hacking() -> None:
    distance = np.concatenate([np.linspace(1.2, 0.2, 20), np.full(180, 0.2)])
    kept = _point_reach_recording(distance, reward=(distance < 0.3).astype(float))
    [finding] = loitering(run(POINT_REACH, fitness=[0.0, 0.0]), kept, POINT_REACH)

    assert (finding.kind, finding.severity) == ("loitering", "hacking")
    values = finding.evidence
    assert values["variable"] == "distance_to_goal" and values["goal_flag"] == "reached_goal"
    assert float(values["near_share"]) > 0.85 and float(values["reward_per_near_step"]) == pytest.approx(1.0)
    check = corrected_check(finding, POINT_REACH)
    assert evaluate_check(check, kept).passed is False
    arrives = _point_reach_recording(np.linspace(1.2, 0.05, 60), reward=np.zeros(60), reached_at=60)
    assert evaluate_check(check, arrives).passed is True


def test_unpaid_hovering_is_a_warning_and_arriving_is_nothing() -> None:
    distance = np.concatenate([np.linspace(1.2, 0.2, 20), np.full(180, 0.2)])
    unpaid = _point_reach_recording(distance, reward=-distance)
    [finding] = loitering(run(POINT_REACH, fitness=[0.0, 0.0]), unpaid, POINT_REACH)
    assert finding.severity == "warning"
    arrives = _point_reach_recording(np.linspace(1.2, 0.05, 60), reward=np.zeros(60), reached_at=60)
    assert loitering(run(POINT_REACH, fitness=[0.0, 0.5]), arrives, POINT_REACH) == []


# ---- ending episodes early ------------------------------------------------------------------------


def test_crashing_early_for_more_return_than_trying_is_hacking() -> None:
    # The kept policy flies into the obstacle within 15 steps: +3, against -20 for wandering the full 200.
    wander = recording([200, 200], [0.0, 0.0], reward=[np.full(200, -0.1)] * 2, collided=[np.zeros(200)] * 2)
    crash = np.zeros(15)
    crash[-1] = 1.0
    crashing = recording([15, 15], [0.0, 0.0], reward=[np.full(15, 0.2)] * 2, collided=[crash] * 2)
    crashing["state/reached_goal"] = np.zeros((2, 15))
    wander["state/reached_goal"] = np.zeros((2, 200))
    result = run(POINT_REACH, fitness=[0.0, 0.0], returns=[-20.0, 3.0], lengths=[200, 15], best=1)
    [finding] = early_termination_exploit(result, {0: wander, 1: crashing}, POINT_REACH)

    assert (finding.kind, finding.severity) == ("early_termination_exploit", "hacking")
    values = finding.evidence
    assert float(values["early_return"]) > float(values["longer_return"])
    check = corrected_check(finding, POINT_REACH)
    assert check == "length > 100 or final(reached_goal)"
    assert evaluate_check(check, crashing).passed is False and evaluate_check(check, wander).passed is True


def test_a_final_policy_that_dies_sooner_for_more_return_is_hacking() -> None:
    # -1 per step on cartpole: the policy learnt to drop the pole, which the return rewards.
    result = run(CARTPOLE, fitness=[300, 60, 12, 10], returns=[-300, -60, -12, -10], lengths=[300, 60, 12, 10])
    [finding] = early_termination_exploit(result, {}, CARTPOLE)

    assert finding.severity == "hacking"
    values = finding.evidence
    assert float(values["final_length"]) == 10 and float(values["longer_length"]) == 300
    assert corrected_check(finding, CARTPOLE) == "length > 250"


def test_ending_early_by_success_is_not_an_exploit() -> None:
    # Point reach's reference: episodes shorten because the goal is reached sooner.
    reached = np.zeros(40)
    reached[-1] = 1.0
    fast = recording([40, 40], [0.9, 0.9], reward=[np.full(40, 0.5)] * 2, reached_goal=[reached] * 2)
    slow = recording([200, 200], [0.0, 0.0], reward=[np.full(200, -0.01)] * 2, reached_goal=[np.zeros(200)] * 2)
    result = run(POINT_REACH, fitness=[0.0, 0.9], returns=[-2.0, 20.0], lengths=[200, 40])
    assert early_termination_exploit(result, {0: slow, 1: fast}, POINT_REACH) == []


# ---- spinning and constant actions ----------------------------------------------------------------


def test_winding_an_angle_through_many_turns_for_rising_return_is_hacking() -> None:
    angle = np.linspace(np.pi, np.pi + 8 * 2 * np.pi, 200)
    wrapped = (angle + np.pi) % (2 * np.pi) - np.pi
    kept = recording([200, 200], [0.1, 0.1], angle=[angle] * 2, normalized_angle=[wrapped] * 2)
    result = run(PENDULUM, fitness=[0.05, 0.1], returns=[10.0, 400.0])
    [finding] = spinning(result, kept, PENDULUM)

    assert (finding.kind, finding.severity) == ("spinning", "hacking")
    values = finding.evidence
    assert values["variable"] == "angle" and float(values["turns"]) == pytest.approx(8.0)
    check = corrected_check(finding, PENDULUM)
    assert evaluate_check(check, kept).passed is False
    swing_up = recording([200, 200], [1.0, 1.0], angle=[np.linspace(np.pi, 2 * np.pi, 200)] * 2)
    assert evaluate_check(check, swing_up).passed is True


def test_a_wrapped_angle_still_counts_its_turns_but_gets_no_check() -> None:
    angle = np.linspace(np.pi, np.pi + 8 * 2 * np.pi, 200)
    wrapped = (angle + np.pi) % (2 * np.pi) - np.pi
    kept = recording([200, 200], [0.1, 0.1], normalized_angle=[wrapped] * 2)
    result = run(PENDULUM, fitness=[0.05, 0.1], returns=[10.0, 400.0])
    [finding] = spinning(result, kept, PENDULUM)
    assert finding.evidence["wrapped"] == 1 and float(finding.evidence["turns"]) > 7.9
    v2_check = RuleBasedSpecCorrector().correct(
        RuleBasedSpecWriter().initial(PENDULUM),
        Analysis(
            candidate_id=CANDIDATE.id,
            fitness=0.1,
            components=[],
            total_fitness_correlation=None,
            best_episode=None,
            worst_episode=None,
            findings=[finding],
            hacking_suspected=True,
            reflection="",
            analyzer="rule-based",
        ),
        CANDIDATE,
    )
    assert v2_check is not None
    added = {c.id: c for c in v2_check.criteria}["no_exploit_spinning"]
    # Without a check of its own it restates the most important checked criterion.
    assert "spinning 'normalized_angle'" in added.text and added.check is not None


def test_one_action_throughout_is_degenerate_behaviour() -> None:
    kept = recording([200, 200], [0.0, 0.0], action=[np.full((200, 1), 2.0)] * 2)
    [finding] = constant_action(run(PENDULUM, fitness=[0.0, 0.1]), kept, PENDULUM)
    assert (finding.kind, finding.severity) == ("degenerate_behaviour", "warning")


def test_the_analyzer_reads_recorded_files_and_reports_detector_findings(tmp_path: Path) -> None:
    steps = np.arange(200)
    kept = _pendulum_recording(action=2.0 * (-1.0) ** steps, angle=np.pi + 0.4 * (-1.0) ** steps)
    result = run(PENDULUM, fitness=[0.05, 0.1, 0.1], returns=[-500, -300, -100])
    for checkpoint in result.checkpoints:
        path = tmp_path / (checkpoint.episode_file or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **kept)
    rubric = RuleBasedSpecWriter().initial(PENDULUM)
    analysis = RuleBasedAnalyzer().analyze(CANDIDATE, result, tmp_path, rubric, task=PENDULUM)

    assert analysis.hacking_suspected
    assert kinds(analysis.findings)["oscillation"] == "hacking"
    assert "[hacking] oscillation" in analysis.reflection


# ---- no alarm on the reference rewards ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cartpole", "point_reach", "pendulum"])
def test_the_reference_reward_trained_to_solved_raises_no_hacking(name: str) -> None:
    task = load_task(name)
    spec = task.spec
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp)
        reward = load_reward(spec.reference_reward_code, spec, workdir=run_dir / "reward")
        # The task's own PPO hints, steps included: the budget the reference reward is known to solve in.
        result = train(task, reward, TrainConfig(seed=0, device="cpu", record_episodes=4), out_dir=run_dir)
        assert result.solved, result.fitness
        rubric = RuleBasedSpecWriter().initial(spec)
        analysis = RuleBasedAnalyzer().analyze(CANDIDATE, result, run_dir, rubric, task=spec)
        recordings = load_recordings(result, run_dir)
    hacking = [f for f in analysis.findings if f.severity == "hacking"]
    assert not analysis.hacking_suspected and hacking == [], hacking
    # Stricter: judged as if the task were unsolved, the behaviour detectors still see no exploit.
    as_unsolved = result.model_copy(update={"fitness": spec.fitness.low})
    assert recordings and all(f.severity != "hacking" for f in detect_hacking(as_unsolved, recordings, spec))
