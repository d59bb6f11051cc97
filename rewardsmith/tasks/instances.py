"""Task instances as a job process asks for them: a simulator that allows one per process gets one.

Isaac Lab refuses a second ``SimulationContext`` in a process, and Isaac Gym shares one sim per
process. A training job, a verify job and the gate's pool job each make several instances of an
ordinary task (training and evaluation batches, one batch per probe); for such a simulator every
request is answered by the first instance made, reseeded, and callers use its ``num_envs`` as the
number of episodes they get.
"""

from __future__ import annotations

import torch

from rewardsmith.tasks.protocol import Task

_SHARED: dict[type[Task], Task] = {}


def make_task(
    task_class: type[Task],
    num_envs: int,
    device: str | torch.device = "cpu",
    seed: int | None = None,
    dtype: torch.dtype = torch.float32,
) -> Task:
    """A fresh instance, or for a ``one_per_process`` task the process's one instance, reseeded with ``seed``.

    The first request fixes the shared instance's size: ask first for the batch the job needs most.
    """
    if not task_class.one_per_process:
        return task_class(num_envs=num_envs, device=device, seed=seed, dtype=dtype)
    task = _SHARED.get(task_class)
    if task is None:
        task = _SHARED[task_class] = task_class(num_envs=num_envs, device=device, seed=seed, dtype=dtype)
    elif seed is not None:
        task.reseed(seed)
    return task


def forget_shared(task_class: type[Task]) -> None:
    """Drop the process's instance of ``task_class`` (tests that close its simulator between cases)."""
    _SHARED.pop(task_class, None)
