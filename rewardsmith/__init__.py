"""rewardsmith: LLM agents that design, verify and train reward functions for RL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from rewardsmith.api import design, resume
    from rewardsmith.batches import batch
    from rewardsmith.tasks import load_task

__all__ = ["__version__", "batch", "design", "load_task", "resume"]


def __getattr__(name: str) -> Any:
    # Lazy: a sandbox job imports rewardsmith.sandbox.runner, and must not pay for the design loop's
    # imports (LangGraph alone takes a second) every time it starts.
    if name in ("design", "resume"):
        from rewardsmith import api

        return getattr(api, name)
    if name == "batch":
        from rewardsmith.batches import batch

        return batch
    if name == "load_task":
        from rewardsmith.tasks import load_task

        return load_task
    raise AttributeError(f"module 'rewardsmith' has no attribute {name!r}")
