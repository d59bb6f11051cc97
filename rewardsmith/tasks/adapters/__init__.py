"""Adapters that put users' simulators behind the task contract (:mod:`rewardsmith.tasks.protocol`).

Only Gymnasium is a dependency; the Isaac and ManiSkill adapters import their simulator when a task is made.
"""

from rewardsmith.tasks.adapters.gymnasium_task import GymnasiumSpaceError, GymnasiumTask, gymnasium_spec
from rewardsmith.tasks.adapters.isaacgym_task import IsaacGymTask, isaacgym_spec, reward_replaced
from rewardsmith.tasks.adapters.lazy import SimulatorMissingError
from rewardsmith.tasks.adapters.simulator import FitnessFold, SimulatorTask, Transition

__all__ = [
    "FitnessFold",
    "GymnasiumSpaceError",
    "GymnasiumTask",
    "IsaacGymTask",
    "SimulatorMissingError",
    "SimulatorTask",
    "Transition",
    "gymnasium_spec",
    "isaacgym_spec",
    "reward_replaced",
]
