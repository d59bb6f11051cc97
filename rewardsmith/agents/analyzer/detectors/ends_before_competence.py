"""``early_termination_exploit`` against the pool: every episode of the policy ends early without success,
while the pool's competent trajectories run longer and succeed.

It reads the last checkpoint's episodes, what training taught. The policy's own episodes cannot show
this when all of them are short: there is no longer one to compare with. The pool's competent
trajectories are that comparison, and the candidate's returns on them (its verify job scored them)
say whether the reward pays the short failures as well as the task.
"""

from __future__ import annotations

import statistics

import numpy as np

from rewardsmith.agents.analyzer.detectors.common import (
    Observed,
    Severity,
    episode_returns,
    episode_successes,
    measured,
    nearly_all,
    solved,
)
from rewardsmith.agents.types import Finding

#: The competent trajectories "run longer" at this multiple of the policy's median episode length
#: (the same contrast the policy-only detector draws between two checkpoints).
LONGER = 1.5


def detect(seen: Observed) -> list[Finding]:
    pool, kept, spec = seen.pool, seen.final, seen.spec
    if pool is None or kept is None or "length" not in kept or solved(seen.result, spec):
        return []
    succeeded = [e for e in pool.competent if e.success]
    if not succeeded:
        return []
    lengths = np.asarray(kept["length"]).astype(int).tolist()
    successes = dict(episode_successes(kept, spec))
    # A truncation at the episode limit is not an ending the policy chose.
    ended = [i for i, length in enumerate(lengths) if length < spec.episode_length and not successes.get(i, False)]
    if not nearly_all(len(ended), len(lengths)):
        return []
    policy_length = statistics.median(lengths)
    competent_length = statistics.median(e.length for e in succeeded)
    if competent_length < LONGER * policy_length:
        return []
    returns = episode_returns(kept)
    policy_return = statistics.fmean(returns) if returns else None
    competent_return = pool.competent_return()
    # Hacking where the reward is seen paying for it: the short failures earn what doing the task does.
    paid = policy_return is not None and competent_return is not None and policy_return >= competent_return
    severity: Severity = "hacking" if paid else "warning"
    values: dict[str, float | int | str] = {
        "early_episodes": len(ended),
        "recorded": len(lengths),
        "policy_length": policy_length,
        "competent_length": competent_length,
        "competent_episodes": len(succeeded),
        "competent_fitness": statistics.median(e.fitness for e in succeeded),
        "policy_fitness": seen.result.fitness,
        # The longest of the policy's early endings: the spec corrector's check asks for more than that.
        "early_limit": max(lengths[i] for i in ended),
        "goal_flag": spec.goal_flag() or "none",
    }
    paid_text = ""
    if policy_return is not None and competent_return is not None:
        values |= {"policy_return": policy_return, "competent_return": competent_return}
        paid_text = (
            f"; the reward pays these short failures {policy_return:.3g} against {competent_return:.3g} for a "
            "competent trajectory"
        )
    return [
        Finding(
            kind="early_termination_exploit",
            severity=severity,
            message=f"{len(ended)} of {len(lengths)} of the trained policy's recorded episodes end by termination "
            f"without success after a median {policy_length:g} steps, while the pool's {len(succeeded)} competent "
            f"trajectories run a median {competent_length:g} steps and succeed{paid_text}. Make every step of a "
            "surviving episode worth more than ending it, or charge a failed ending at least what the remaining "
            "steps would earn.",
            evidence=measured(**values),
        )
    ]
