"""Training: PPO through skrl with an injected reward, and deterministic fitness evaluation."""

from rewardsmith.training.config import TrainConfig
from rewardsmith.training.evaluate import Evaluation, evaluate
from rewardsmith.training.ppo import train
from rewardsmith.training.result import Checkpoint, ComponentStats, TrainingResult
from rewardsmith.training.rewards import RewardFn, TrainingError, TrainingErrorKind

__all__ = [
    "Checkpoint",
    "ComponentStats",
    "Evaluation",
    "RewardFn",
    "TrainConfig",
    "TrainingError",
    "TrainingErrorKind",
    "TrainingResult",
    "evaluate",
    "train",
]
