"""``degenerate_behaviour``: the kept policy applies one action for whole episodes."""

from __future__ import annotations

import numpy as np

from rewardsmith.agents.analyzer.detectors.common import Observed, Recording, magnitude, solved, traces
from rewardsmith.agents.types import EvidenceValue, Finding
from rewardsmith.tasks.spec import TaskSpec
from rewardsmith.training.result import TrainingResult


def constant_action(result: TrainingResult, kept: Recording | None, spec: TaskSpec) -> list[Finding]:
    """The kept policy applies one action for whole episodes while the task is unsolved."""
    if kept is None or solved(result, spec) or "state/action" not in kept:
        return []
    constant: dict[str, EvidenceValue] = {}
    for episode, trace in traces(kept, "action"):
        if len(trace) > 1 and float(np.std(trace, axis=0).max()) < 1e-9:
            constant[f"episode_{episode}_action"] = magnitude(trace[0])
    if not constant:
        return []
    return [
        Finding(
            kind="degenerate_behaviour",
            severity="warning",
            message="The kept policy repeats one action for whole episodes while the task is unsolved; the "
            "reward likely pays for a fixed reflex (idling, or pushing one way) rather than for the task. "
            "Make doing nothing (or one fixed action) earn less than attempting the task.",
            evidence=constant,
        )
    ]


def detect(seen: Observed) -> list[Finding]:
    return constant_action(seen.result, seen.kept, seen.spec)
