"""Adapters that put users' simulators behind the task contract (:mod:`rewardsmith.tasks.protocol`)."""

from rewardsmith.tasks.adapters.gymnasium_task import GymnasiumSpaceError, GymnasiumTask, gymnasium_spec

__all__ = ["GymnasiumSpaceError", "GymnasiumTask", "gymnasium_spec"]
