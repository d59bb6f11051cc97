"""Agents of the design loop: rule-based spec writer, designer, critic, analyzer and spec corrector."""

from rewardsmith.agents.analyzer.rule_based import RuleBasedAnalyzer
from rewardsmith.agents.critic.static import StaticCritic
from rewardsmith.agents.designer.reward_terms import (
    RewardGenome,
    RewardTerm,
    default_genome,
    genome_from_code,
    render_reward,
    term_pool,
)
from rewardsmith.agents.designer.rule_based import RuleBasedDesigner, mutate_genome
from rewardsmith.agents.spec.rule_based import RuleBasedSpecCorrector, RuleBasedSpecWriter
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
