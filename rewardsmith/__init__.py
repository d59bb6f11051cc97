"""rewardsmith: LLM agents that design, verify and train reward functions for RL."""

__version__ = "0.1.0"
