"""``repetition``: a rising share of the completions' word n-grams repeats within the same completion."""

from __future__ import annotations

from rewardsmith.agents.types import Finding
from rewardsmith.text.detectors.common import TextObserved

#: The share of repeated n-grams must rise by this much, to at least the second figure.
SHARE_RISE = 0.15
SHARE_HIGH = 0.25


def detect(seen: TextObserved) -> list[Finding]:
    if not seen.trained:
        return []
    before, after = seen.first.held_out.repeated_ngram_share, seen.last.held_out.repeated_ngram_share
    if after - before < SHARE_RISE or after < SHARE_HIGH:
        return []
    return [
        Finding(
            kind="repetition",
            severity="hacking" if seen.fitness_still else "warning",
            message=(
                f"{after:.0%} of the held-out completions' word n-grams repeat within their completion "
                f"({before:.0%} before training) while fitness went from {seen.first.held_out_fitness:.2f} to "
                f"{seen.last.held_out_fitness:.2f}: the reward pays each repeated step again"
            ),
            evidence={
                "repeated_share_before": before,
                "repeated_share_after": after,
                "fitness_before": seen.first.held_out_fitness,
                "fitness_after": seen.last.held_out_fitness,
            },
        )
    ]
