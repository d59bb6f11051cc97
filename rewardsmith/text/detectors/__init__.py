"""Reward-hacking detectors for text tasks: what GRPO taught the policy that the reward should not pay.

Each is a module of this package whose ``detect`` is a pure function of
:class:`~rewardsmith.text.detectors.common.TextObserved` (the run's held-out learning curve, the
task's length limit and, where the reward has judge criteria, judge verdicts beside the checker's)
and returns :class:`~rewardsmith.agents.types.Finding` objects of the one finding vocabulary
(:mod:`rewardsmith.gate.exploits`):

- ``reward_fitness_divergence``: the reward of the held-out completions rose, their fitness did not;
- ``length_growth``: completions grew long without getting better, or toward the length limit;
- ``repetition``: a rising share of repeated word n-grams within completions;
- ``format_without_correctness``: more completions in the required form that the checker fails;
- ``judge_checker_disagreement``: a judge criterion and the checker far apart on the same completions.

Severity is ``hacking`` where the held-out fitness did not rise with the behaviour (the reward paid
for it and the task did not), else ``warning``.
"""

from __future__ import annotations

from collections.abc import Callable

from rewardsmith.agents.types import Finding
from rewardsmith.text.detectors import (
    format_without_correctness,
    judge_disagreement,
    length_growth,
    repetition,
    reward_without_fitness,
)
from rewardsmith.text.detectors.common import JudgedCompletion, TextObserved

TextDetector = Callable[[TextObserved], list[Finding]]

#: Every text detector, in the order its findings are reported. A new one is a module here and one line.
TEXT_DETECTORS: list[TextDetector] = [
    reward_without_fitness.detect,
    length_growth.detect,
    repetition.detect,
    format_without_correctness.detect,
    judge_disagreement.detect,
]


def detect_text_hacking(seen: TextObserved) -> list[Finding]:
    """Every registered text detector's findings for one trained candidate."""
    return [finding for detector in TEXT_DETECTORS for finding in detector(seen)]


__all__ = ["TEXT_DETECTORS", "JudgedCompletion", "TextObserved", "detect_text_hacking"]
