"""GRPO training of a text reward on the embedded model, and its typed learning curve.

Only pydantic models and plain functions at import; TRL and transformers load when a run starts.
"""

from rewardsmith.text.training.config import TEXT_TRAIN_MEMORY_MB, TextTaskRef, TextTrainConfig
from rewardsmith.text.training.grpo import train_text
from rewardsmith.text.training.result import CompletionStats, EvalPoint, StepRecord, TextTrainingResult

__all__ = [
    "TEXT_TRAIN_MEMORY_MB",
    "CompletionStats",
    "EvalPoint",
    "StepRecord",
    "TextTaskRef",
    "TextTrainConfig",
    "TextTrainingResult",
    "train_text",
]
