"""The analyzer with the pool's evidence, on real PPO runs: a policy that ends every episode early."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.agents import Candidate, RuleBasedAnalyzer, RuleBasedSpecWriter
from rewardsmith.agents.types import Analysis
from rewardsmith.gate.evidence import PoolEvidence, pool_evidence
from rewardsmith.gate.pool import load_pool, score_pool
from rewardsmith.gate.pool_builder import build_pool, reference_sources
from rewardsmith.rewards import load_reward
from rewardsmith.sandbox.artefacts import checkpoint_episodes
from rewardsmith.tasks import load_task
from rewardsmith.training import TrainConfig, TrainingResult, train

CARTPOLE = load_task("cartpole")
#: Enough for the reference reward to balance the pole for whole episodes on seed 0, so the pool holds
#: competent trajectories; the task's own budget is larger only to be safe across seeds.
REFERENCE_STEPS = 60_000
#: Enough for PPO to learn whatever a reward pays most for in the first few hundred steps of an episode.
CANDIDATE_STEPS = 20_000

#: Each step costs more in effort than the shaping pays, so dropping the pole at once pays best.
ENDS_EARLY = """
import torch

def compute_reward(pole_angle: torch.Tensor, action: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    upright = 0.5 * (1.0 - (pole_angle / 0.2095).abs().clamp(max=1.0))
    effort = -0.02 * action**2
    return upright + effort, {"upright": upright, "effort": effort}
"""
#: The same shaping on top of a survival bonus: every step the pole stays up pays.
SURVIVES = """
import torch

def compute_reward(pole_angle: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    alive = torch.ones_like(pole_angle)
    upright = 0.5 * (1.0 - (pole_angle / 0.2095).abs().clamp(max=1.0))
    return alive + upright, {"alive": alive, "upright": upright}
"""


def _train(code: str, steps: int, out_dir: Path, record: int = 4) -> TrainingResult:
    reward = load_reward(code, CARTPOLE.spec, out_dir / "reward")
    config = TrainConfig(seed=0, device="cpu", steps=steps, record_episodes=record)
    return train(CARTPOLE, reward, config, out_dir=out_dir / "run", reward_sha256=reward.sha256)


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TrainingResult]:
    """A cartpole pool as the loop's specify node builds it: a reference run, random play and the probes."""
    root = tmp_path_factory.mktemp("pool")
    reference = _train(CARTPOLE.spec.reference_reward_code, REFERENCE_STEPS, root)
    files = reference_sources(checkpoint_episodes(reference, root / "run"))
    build_pool(CARTPOLE, "cartpole", files, root / "pool", seed=0)
    return root / "pool", reference


def _analyse(code: str, pool: tuple[Path, TrainingResult], out_dir: Path) -> tuple[Analysis, PoolEvidence]:
    pool_dir, reference = pool
    labels, arrays = load_pool(pool_dir)
    reward = load_reward(code, CARTPOLE.spec, out_dir / "scoring")
    evidence = pool_evidence(labels, score_pool(reward, CARTPOLE, arrays, "cpu"), reference)
    result = _train(code, CANDIDATE_STEPS, out_dir)
    candidate = Candidate(id="i01-c00", iteration=1, code=code, designer="test")
    rubric = RuleBasedSpecWriter().initial(CARTPOLE.spec)
    analysis = RuleBasedAnalyzer().analyze(
        candidate, result, out_dir / "run", rubric, task=CARTPOLE.spec, pool=evidence
    )
    return analysis, evidence


@pytest.mark.slow
def test_a_policy_that_ends_every_episode_early_is_flagged_with_the_pool_as_evidence(
    pool: tuple[Path, TrainingResult], tmp_path: Path
) -> None:
    analysis, evidence = _analyse(ENDS_EARLY, pool, tmp_path)

    assert any(e.success and e.length == CARTPOLE.spec.episode_length for e in evidence.competent)
    ended = [f for f in analysis.findings if f.kind == "early_termination_exploit" and "competent_length" in f.evidence]
    assert [f.severity for f in ended] == ["hacking"], analysis.reflection
    values = ended[0].evidence
    # Every recorded episode of the kept policy ended early, and the numbers say against what.
    assert values["early_episodes"] == values["recorded"]
    assert float(values["policy_length"]) * 1.5 <= float(values["competent_length"])
    assert float(values["competent_length"]) == CARTPOLE.spec.episode_length
    assert float(values["policy_return"]) >= float(values["competent_return"])
    assert float(values["policy_fitness"]) < CARTPOLE.spec.fitness.solved_threshold
    assert analysis.hacking_suspected
    assert "competent trajectories run a median 500 steps" in analysis.reflection


@pytest.mark.slow
def test_a_short_run_with_a_survival_bonus_is_not_called_a_hack(
    pool: tuple[Path, TrainingResult], tmp_path: Path
) -> None:
    # Its episodes may still be short after so little training, but the reward pays them far less than
    # the competent trajectories: a policy still learning, not one exploiting its reward.
    analysis, evidence = _analyse(SURVIVES, pool, tmp_path)

    competent = evidence.competent_return()
    assert competent is not None
    pooled = [f for f in analysis.findings if f.kind in ("early_termination_exploit", "return_beats_competence")]
    assert all(f.severity != "hacking" for f in pooled), pooled
    assert all(float(f.evidence["policy_return"]) < competent for f in pooled if "policy_return" in f.evidence)
