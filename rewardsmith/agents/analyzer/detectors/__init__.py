"""Reward-hacking detectors: what a trained policy does that its designed return should not pay for.

Each detector is a module of this package whose ``detect`` is a pure function of what it observes
(:class:`~rewardsmith.agents.analyzer.detectors.common.Observed`): the training result, the recorded
evaluation episodes (``state/<name>`` ``[episodes, T, ...]``, NaN after each episode's ``length``,
``reward_total``, ``fitness``, ``length``) and the task's spec. It returns
:class:`~rewardsmith.agents.types.Finding` objects:

- ``return_fitness_decorrelation``: the designed return and the task fitness both move across
  checkpoints, but not together;
- ``degenerate_behaviour``: one action for whole episodes;
- ``oscillation``: the action or a position-like variable (unit ``m`` or ``rad``) turns back and
  forth at a high rate;
- ``loitering``: an error-like variable (desired ``zero`` or ``low``) stays near its target for most
  of the episode but the goal flag is never set;
- ``early_termination_exploit``: episodes that end early without success earn as much designed
  return as longer or successful ones, and the policy ends them early;
- ``spinning``: an angle (unit ``rad``) winds through several full turns in an episode.

Two detectors judge the policy against evidence outside it (:class:`~rewardsmith.gate.evidence.PoolEvidence`:
the gate pool's competent trajectories scored by the candidate's reward, random play, the reference
run), and say nothing without it:

- ``early_termination_exploit`` (``ends_before_competence``): nearly every episode ends early without
  success while the competent trajectories run longer and succeed;
- ``return_beats_competence``: the designed return is at or above the competent trajectories' under
  the same reward while the fitness stays at random play's floor.

Behaviour detectors look at the kept policy (the best checkpoint's recording, else the latest) and
only while the task is unsolved: a policy that solves the task may chatter or hover as it likes.
Severity is ``hacking`` only where the behaviour is in most recorded episodes *and* the reward is
seen paying for it (the return rose with it, or ranks it above doing the task); otherwise
``warning``. Evidence is a dict of the measured values, so that the spec corrector can turn a finding
into a machine check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rewardsmith.agents.analyzer.detectors import (
    beats_competence,
    constant_action,
    decorrelation,
    early_termination,
    ends_before_competence,
    loitering,
    oscillation,
    spinning,
)
from rewardsmith.agents.analyzer.detectors.common import Observed, Recording, kept_recording, load_recordings
from rewardsmith.agents.types import Finding
from rewardsmith.gate.evidence import PoolEvidence
from rewardsmith.tasks.spec import TaskSpec
from rewardsmith.training.result import TrainingResult

Detector = Callable[[Observed], list[Finding]]

#: Every detector, in the order its findings are reported. A new detector is a module of this
#: package and one line here.
DETECTORS: list[Detector] = [
    decorrelation.detect,
    constant_action.detect,
    oscillation.detect,
    loitering.detect,
    early_termination.detect,
    spinning.detect,
    ends_before_competence.detect,
    beats_competence.detect,
]


def detect_hacking(
    result: TrainingResult,
    recordings: Mapping[int, Recording],
    spec: TaskSpec,
    pool: PoolEvidence | None = None,
) -> list[Finding]:
    """Every registered detector's findings for one trained candidate.

    Args:
        result: The training result.
        recordings: Recorded evaluation episodes by checkpoint index (see :func:`load_recordings`).
        spec: The task's spec.
        pool: The evidence outside the policy, where the run has a pool.

    Returns:
        The findings, in detector order; empty when nothing is suspicious.
    """
    seen = Observed(result=result, recordings=recordings, spec=spec, pool=pool)
    return [finding for detector in DETECTORS for finding in detector(seen)]


__all__ = [
    "DETECTORS",
    "Detector",
    "Observed",
    "Recording",
    "detect_hacking",
    "kept_recording",
    "load_recordings",
]
