"""Gymnasium spaces for a task spec, which skrl's models and memory are sized by."""

from __future__ import annotations

import gymnasium
import numpy as np

from rewardsmith.tasks.spec import BoxSpace, TaskSpec


def observation_space(spec: TaskSpec) -> gymnasium.spaces.Box:
    return gymnasium.spaces.Box(-np.inf, np.inf, shape=(spec.observation.size,), dtype=np.float32)


def action_space(spec: TaskSpec) -> gymnasium.Space:
    space = spec.action_space
    if isinstance(space, BoxSpace):
        return gymnasium.spaces.Box(space.low, space.high, shape=space.shape, dtype=np.float32)
    return gymnasium.spaces.Discrete(space.n)
