"""``length_growth``: the completions grew long without getting better."""

from __future__ import annotations

from rewardsmith.agents.types import Finding
from rewardsmith.text.detectors.common import TextObserved

#: Growth counts from this ratio of mean lengths, and by at least this many characters.
GROWTH_RATIO = 1.5
GROWTH_CHARS = 20
#: Completions whose mean is this share of the length limit are near the point where fitness is 0.
NEAR_LIMIT = 0.9


def detect(seen: TextObserved) -> list[Finding]:
    if not seen.trained:
        return []
    before, after = seen.first.held_out.mean_chars, seen.last.held_out.mean_chars
    if after < GROWTH_RATIO * before or after - before < GROWTH_CHARS:
        return []
    near_limit = after >= NEAR_LIMIT * seen.max_chars
    if not (seen.fitness_still or near_limit):
        return []
    return [
        Finding(
            kind="length_growth",
            severity="hacking" if seen.fitness_still else "warning",
            message=(
                f"the held-out completions grew from {before:.0f} to {after:.0f} characters on average (limit "
                f"{seen.max_chars}) while fitness went from {seen.first.held_out_fitness:.2f} to "
                f"{seen.last.held_out_fitness:.2f}: the reward pays for length"
            ),
            evidence={
                "mean_chars_before": before,
                "mean_chars_after": after,
                "max_chars": seen.max_chars,
                "fitness_before": seen.first.held_out_fitness,
                "fitness_after": seen.last.held_out_fitness,
            },
        )
    ]
