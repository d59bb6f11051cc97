"""``format_without_correctness``: more completions take the required form while the checker fails them."""

from __future__ import annotations

from rewardsmith.agents.types import Finding
from rewardsmith.text.detectors.common import TextObserved

#: At least this share of completions in form and wrong, risen by at least the second figure.
SHARE_HIGH = 0.5
SHARE_RISE = 0.2


def detect(seen: TextObserved) -> list[Finding]:
    if not seen.trained:
        return []
    before, after = seen.first.held_out.format_without_correct, seen.last.held_out.format_without_correct
    if before is None or after is None or after < SHARE_HIGH or after - before < SHARE_RISE:
        return []
    return [
        Finding(
            kind="format_without_correctness",
            severity="hacking" if seen.fitness_still else "warning",
            message=(
                f"{after:.0%} of the held-out completions have the required form and fail the checker ({before:.0%} "
                f"before training); fitness went from {seen.first.held_out_fitness:.2f} to "
                f"{seen.last.held_out_fitness:.2f}: the reward pays the form, not the content"
            ),
            evidence={
                "in_form_wrong_before": before,
                "in_form_wrong_after": after,
                "fitness_before": seen.first.held_out_fitness,
                "fitness_after": seen.last.held_out_fitness,
            },
        )
    ]
