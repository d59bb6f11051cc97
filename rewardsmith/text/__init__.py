"""Text tasks for LLM post-training: the family that sits beside the control tasks.

A text task holds prompts and a trusted checker (:mod:`rewardsmith.text.task`); its reward is verifier
code (:mod:`rewardsmith.text.contract`) or a rubric of weighted criteria (:mod:`rewardsmith.text.rubric`).
"""

from rewardsmith.text.registry import TextTaskError, is_text_task, load_text_task, text_task_names
from rewardsmith.text.task import Split, TextExample, TextTask

__all__ = [
    "Split",
    "TextExample",
    "TextTask",
    "TextTaskError",
    "is_text_task",
    "load_text_task",
    "text_task_names",
]
