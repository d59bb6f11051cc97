"""``loitering``: an error-like variable (desired ``zero`` or ``low``) stays near its target for most of
the episode, but the goal flag is never set."""

from __future__ import annotations

import math

import numpy as np

from rewardsmith.agents.analyzer.detectors.common import (
    MOST_EPISODES,
    Observed,
    Recording,
    episode_count,
    episode_successes,
    measured,
    nearly_all,
    norms,
    solved,
    traces,
)
from rewardsmith.agents.types import Finding
from rewardsmith.tasks.spec import TaskSpec
from rewardsmith.training.result import TrainingResult

#: An error is "near" its target below this share of its value at the episode's start.
NEAR = 0.25
#: Hovering: near the target in at least this share of the episode's steps, and at least MIN_NEAR_STEPS.
LOITER_SHARE = 0.5
MIN_NEAR_STEPS = 10


def loitering(result: TrainingResult, kept: Recording | None, spec: TaskSpec) -> list[Finding]:
    """An error-like variable stays near its target most of the episode, yet the goal is never reached."""
    flag = spec.goal_flag()
    if kept is None or flag is None or solved(result, spec) or f"state/{flag}" not in kept:
        return []
    count = episode_count(kept)
    successes = dict(episode_successes(kept, spec))
    best: tuple[str, int, float, float, float] | None = None  # (variable, episodes, share, near, reward)
    for variable in spec.state_variables:
        if variable.desired not in ("zero", "low") or f"state/{variable.name}" not in kept:
            continue
        loitered, shares, nears, rewards = 0, [], [], []
        for episode, trace in traces(kept, variable.name):
            error = norms(trace)
            if successes.get(episode) or len(error) == 0 or error[0] <= 1e-6:
                continue
            near_level = NEAR * float(error[0])
            near = error <= near_level
            if near.sum() < MIN_NEAR_STEPS or near.mean() < LOITER_SHARE:
                continue
            loitered += 1
            shares.append(float(near.mean()))
            nears.append(near_level)
            if "reward_total" in kept:
                total = np.asarray(kept["reward_total"][episode][: len(error)], dtype=np.float64)
                rewards.append(float(np.nanmean(total[near])))
        if count and loitered / count >= MOST_EPISODES and (best is None or loitered > best[1]):
            reward = float(np.mean(rewards)) if rewards else math.nan
            best = (variable.name, loitered, float(np.mean(shares)), float(np.mean(nears)), reward)
    if best is None:
        return []
    name, episodes, share, near_level, reward = best
    # Hovering that is paid for per step is the bonus being farmed; unpaid hovering is a policy that
    # has not yet learnt to finish.
    paid = math.isfinite(reward) and reward > 0
    strong = paid and nearly_all(episodes, count)
    return [
        Finding(
            kind="loitering",
            severity="hacking" if strong else "warning",
            message=f"The kept policy hovers near the target of '{name}' (within {near_level:.3g}, in {share:.0%} of "
            f"steps) in {episodes} of {count} recorded episodes but never sets '{flag}'"
            f"{f', and earns {reward:.3g} per hovering step' if paid else ''}. Make finishing pay more than "
            f"staying close: a bonus when '{flag}' is set, and no per-step reward for mere proximity "
            "(reward the change in distance instead).",
            evidence=measured(
                variable=name,
                goal_flag=flag,
                near=near_level,
                near_share=share,
                episodes=episodes,
                recorded=count,
                reward_per_near_step=reward,
            ),
        )
    ]


def detect(seen: Observed) -> list[Finding]:
    return loitering(seen.result, seen.kept, seen.spec)
