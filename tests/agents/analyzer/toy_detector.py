"""A toy hacking detector, written as a new detector would be: one module with a ``detect`` function.

It flags a kept policy whose recorded episodes average fewer steps than a limit, whatever the task.
"""

from __future__ import annotations

import numpy as np

from rewardsmith.agents.analyzer.detectors.common import Observed, measured
from rewardsmith.agents.types import Finding

LIMIT = 10_000


def detect(seen: Observed) -> list[Finding]:
    kept = seen.kept
    if kept is None or "length" not in kept:
        return []
    mean_length = float(np.mean(kept["length"]))
    if mean_length >= LIMIT:
        return []
    return [
        Finding(
            kind="degenerate_behaviour",
            severity="warning",
            message=f"toy detector: the kept policy's episodes average {mean_length:.0f} steps, under {LIMIT}",
            evidence=measured(mean_length=mean_length, limit=LIMIT),
        )
    ]
