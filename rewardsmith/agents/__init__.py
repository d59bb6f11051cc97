"""Agents of the design loop, by role: designer, critic, analyzer and spec writer/corrector, each
rule-based and LLM-backed; the protocols they satisfy; and the types they exchange with the loop."""

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
from rewardsmith.agents.protocols import Agents, Analyzer, Critic, Designer, SpecCorrector, SpecWriter
from rewardsmith.agents.spec.rule_based import RuleBasedSpecCorrector, RuleBasedSpecWriter
from rewardsmith.agents.types import (
    Analysis,
    Candidate,
    ComponentReflection,
    CriticFinding,
    CriticVerdict,
    DesignRequest,
    Draft,
    EpisodeDigest,
    Feedback,
    Finding,
    Rejection,
    RubricCheckResult,
)

__all__ = [
    "Agents",
    "Analysis",
    "Analyzer",
    "Candidate",
    "ComponentReflection",
    "Critic",
    "CriticFinding",
    "CriticVerdict",
    "DesignRequest",
    "Designer",
    "Draft",
    "EpisodeDigest",
    "Feedback",
    "Finding",
    "Rejection",
    "RewardGenome",
    "RewardTerm",
    "RubricCheckResult",
    "RuleBasedAnalyzer",
    "RuleBasedDesigner",
    "RuleBasedSpecCorrector",
    "RuleBasedSpecWriter",
    "SpecCorrector",
    "SpecWriter",
    "StaticCritic",
    "default_genome",
    "genome_from_code",
    "mutate_genome",
    "render_reward",
    "term_pool",
]
