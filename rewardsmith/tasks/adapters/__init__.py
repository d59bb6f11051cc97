"""Adapters that put users' simulators behind the task contract (:mod:`rewardsmith.tasks.protocol`).

Only Gymnasium is a dependency; the Isaac and ManiSkill adapters import their simulator when a task is made.
"""

from rewardsmith.tasks.adapters.gymnasium_task import GymnasiumSpaceError, GymnasiumTask, gymnasium_spec
from rewardsmith.tasks.adapters.isaacgym_task import IsaacGymTask, reward_replaced
from rewardsmith.tasks.adapters.isaaclab_manager_task import IsaacLabManagerTask
from rewardsmith.tasks.adapters.isaaclab_task import IsaacLabDirectTask, IsaacLabTask, direct_variant
from rewardsmith.tasks.adapters.lazy import SimulatorMissingError
from rewardsmith.tasks.adapters.maniskill_task import ManiSkillTask
from rewardsmith.tasks.adapters.simulator import FitnessFold, SimulatorTask, Transition, simulator_spec

__all__ = [
    "FitnessFold",
    "GymnasiumSpaceError",
    "GymnasiumTask",
    "IsaacGymTask",
    "IsaacLabDirectTask",
    "IsaacLabManagerTask",
    "IsaacLabTask",
    "ManiSkillTask",
    "SimulatorMissingError",
    "SimulatorTask",
    "Transition",
    "direct_variant",
    "gymnasium_spec",
    "reward_replaced",
    "simulator_spec",
]
