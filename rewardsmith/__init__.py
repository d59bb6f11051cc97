"""rewardsmith: LLM agents that design, verify and train reward functions for RL."""

__version__ = "0.1.0"

from rewardsmith.api import design, resume
from rewardsmith.tasks import load_task

__all__ = ["__version__", "design", "load_task", "resume"]
