"""Agents of the design loop: rule-based spec writer, designer, critic, analyzer and spec corrector."""

from rewardsmith.agents.analyzer import RuleBasedAnalyzer
from rewardsmith.agents.critic import StaticCritic
from rewardsmith.agents.designer import RuleBasedDesigner, mutate_genome
from rewardsmith.agents.reward_terms import (
    RewardGenome,
    RewardTerm,
    default_genome,
    genome_from_code,
    render_reward,
    term_pool,
)
from rewardsmith.agents.spec_writer import RuleBasedSpecCorrector, RuleBasedSpecWriter
from rewardsmith.agents.types import (
    Analysis,
    Candidate,
    ComponentReflection,
    CriticFinding,
    CriticVerdict,
    DesignRequest,
    EpisodeDigest,
    Feedback,
    Finding,
    RubricCheckResult,
)

__all__ = [
    "Analysis",
    "Candidate",
    "ComponentReflection",
    "CriticFinding",
    "CriticVerdict",
    "DesignRequest",
    "EpisodeDigest",
    "Feedback",
    "Finding",
    "RewardGenome",
    "RewardTerm",
    "RubricCheckResult",
    "RuleBasedAnalyzer",
    "RuleBasedDesigner",
    "RuleBasedSpecCorrector",
    "RuleBasedSpecWriter",
    "StaticCritic",
    "default_genome",
    "genome_from_code",
    "mutate_genome",
    "render_reward",
    "term_pool",
]
