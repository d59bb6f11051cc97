"""``return_beats_competence``: the policy's designed return beats what the same reward pays the pool's
competent trajectories, while its fitness stays at the floor.

A reward that pays a policy doing nothing useful more than it pays doing the task has been exploited,
whatever the curves of the run looked like: the comparison needs no rise over training, so it holds
for a hack learnt before the first checkpoint. The return is the last checkpoint's (what training
taught); the fitness is the best over training, so a policy that ever left the floor is left to the
curve detectors. The floor is what random play reaches (the pool's random trajectories), or the
fitness range's low end without them; a policy "stays at the floor" within :data:`FLOOR_MARGIN` of
the range above it. Where the reference run is known it must have risen above the floor at the same
budget, so a task too hard for the budget is not mistaken for a hack.
"""

from __future__ import annotations

import statistics

from rewardsmith.agents.analyzer.detectors.common import (
    FITNESS_MOVES,
    Observed,
    episode_returns,
    measured,
)
from rewardsmith.agents.types import Finding

#: A policy is at the floor within this share of the fitness range above it: the share by which the
#: fitness is said to move at all.
FLOOR_MARGIN = FITNESS_MOVES


def detect(seen: Observed) -> list[Finding]:
    pool, kept, spec = seen.pool, seen.final, seen.spec
    if pool is None or kept is None:
        return []
    competent_return = pool.competent_return()
    returns = episode_returns(kept)
    if competent_return is None or not returns:
        return []
    span = spec.fitness.high - spec.fitness.low
    base = max(spec.fitness.low, pool.random_fitness if pool.random_fitness is not None else spec.fitness.low)
    floor = base + FLOOR_MARGIN * span
    fitness = seen.result.fitness
    policy_return = statistics.fmean(returns)
    reference = pool.reference.best_fitness if pool.reference is not None else None
    if policy_return < competent_return or fitness > floor or (reference is not None and reference <= floor):
        return []
    values: dict[str, float | int | str] = {
        "policy_return": policy_return,
        "competent_return": competent_return,
        "competent_episodes": sum(e.designed_return is not None for e in pool.competent),
        "competent_fitness": statistics.median(e.fitness for e in pool.competent),
        "policy_fitness": fitness,
        "fitness_floor": floor,
    }
    if reference is not None:
        values["reference_fitness"] = reference
    against = f"; the reference reward reached {reference:.3g} at the same budget" if reference is not None else ""
    return [
        Finding(
            kind="return_beats_competence",
            severity="hacking",
            message=f"The trained policy earns a designed return of {policy_return:.3g}, at or above the "
            f"{competent_return:.3g} the same reward pays the pool's competent trajectories, yet its fitness "
            f"{fitness:.3g} is at the floor (at most {floor:.3g}, what random play reaches){against}. The "
            "reward pays something other than the task more than the task itself: find the term the policy "
            "collects and bound it below what doing the task earns.",
            evidence=measured(**values),
        )
    ]
