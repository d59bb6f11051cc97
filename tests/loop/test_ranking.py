"""Ranking a round's drafts on the gate's pool before RL: the best few are kept, each with its standing, and
a pool without reference episodes is said to give less evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rewardsmith.agents import RuleBasedDesigner, render_reward
from rewardsmith.agents.designer.reward_terms import RewardGenome, RewardTerm
from rewardsmith.agents.types import Draft
from rewardsmith.gate.pool_builder import build_pool
from rewardsmith.gate.probes import rollout
from rewardsmith.loop.ranking import LESS_EVIDENCE, rank_drafts, rankable
from rewardsmith.tasks import load_task
from tests.agents.helpers import design_request

GOAL_REACH = load_task(f"{Path(__file__).resolve().parents[2] / 'examples' / 'goal_reach.py'}:GoalReach")
# Paid for keeping still: the idle probe scores like competence, and clumsy controllers beat good ones.
STILL = RewardGenome(
    task="goal_reach",
    terms=[RewardTerm(name="still", kind="error", variable="hand_velocity", kernel="exp", weight=1.0, temperature=0.1)],
)


def _controller(gain: float):
    def policy(observation: torch.Tensor) -> torch.Tensor:
        # Push toward the target, damped by the hand's own velocity.
        return (gain * observation[:, 4:6] - 0.5 * gain * observation[:, 2:4]).clamp(-1.0, 1.0)

    return policy


@pytest.fixture(scope="module")
def pools(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pools")
    episodes = []
    for index, gain in enumerate((0.3, 1.0, 3.0, 10.0)):
        path = root / f"controller_{index}.npz"
        rollout(GOAL_REACH(num_envs=4, device="cpu", seed=index), _controller(gain), index, path)
        episodes.append((f"reference/checkpoint_{index:02d}", path))
    build_pool(GOAL_REACH, "goal_reach", episodes, root / "with_reference", seed=0)
    build_pool(GOAL_REACH, "goal_reach", [], root / "probes_only", seed=0)
    return {"reference": root / "with_reference", "probes": root / "probes_only"}


def _drafts() -> list[Draft]:
    drafts = RuleBasedDesigner().design(design_request(GOAL_REACH, samples=8))
    still = Draft(code=render_reward(STILL, GOAL_REACH.spec), rationale="Keep still.", designer="rule-based")
    return [still, *drafts]


def test_the_best_few_are_kept_and_a_reward_for_idling_is_not(pools: dict[str, Path]) -> None:
    drafts = _drafts()
    kept, ranking = rank_drafts(drafts, GOAL_REACH, pools["reference"], keep=3, iteration=1)
    assert (ranking.ranked, ranking.kept, ranking.evidence, ranking.note) == (9, 3, "reference", None)
    assert len(kept) == 3 and [d.kept for d in ranking.drafts] == [True] * 3 + [False] * 6
    still = next(d for d in ranking.drafts if d.index == 0)
    assert not still.kept and not still.passed and still.probes_paid >= 1
    assert still.score is not None and still.score < min(d.score or 0 for d in ranking.drafts if d.kept)
    best = ranking.drafts[0]
    assert best.passed and best.pairwise_accuracy is not None and best.pairwise_accuracy > 0.8
    assert kept[0].code == drafts[best.index].code
    assert kept[0].rationale.endswith(f"Ranked 1 of 9 on the gate's pool before training (score {best.score:.3f}).")


def test_a_pool_of_probes_alone_ranks_with_less_evidence_and_says_so(pools: dict[str, Path]) -> None:
    kept, ranking = rank_drafts(_drafts(), GOAL_REACH, pools["probes"], keep=2, iteration=2)
    assert ranking.evidence == "random_and_probes" and ranking.note == LESS_EVIDENCE
    assert all(LESS_EVIDENCE in draft.rationale for draft in kept)


def test_only_unaltered_rule_based_code_is_ranked_in_process() -> None:
    drafts = _drafts()
    assert rankable(drafts, GOAL_REACH)
    edited = drafts[1].model_copy(update={"code": drafts[1].code.replace("total =", "import os\n    total =")})
    assert not rankable([edited], GOAL_REACH)
    assert not rankable([drafts[1].model_copy(update={"designer": "some-model"})], GOAL_REACH)
    with pytest.raises(ValueError, match="only rule-based drafts"):
        rank_drafts([edited], GOAL_REACH, Path("unused"), keep=1, iteration=1)
