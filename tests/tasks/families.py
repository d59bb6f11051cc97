"""The built-in tasks by family: torch tasks have batched dynamics and experts; simulator tasks wrap Gymnasium."""

from rewardsmith.tasks import BatchedTask, load_task, task_names

TORCH_TASKS = [name for name in task_names() if issubclass(load_task(name), BatchedTask)]
SIMULATOR_TASKS = [name for name in task_names() if name not in TORCH_TASKS]
