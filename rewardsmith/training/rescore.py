"""Re-measure a saved policy's fitness exactly as training measured it, with no reward code loaded.

Training reports the fitness of its best checkpoint and saves that checkpoint's policy. Evaluating the
saved policy again on the same evaluation episodes (same seed, same count, the deterministic action)
must give the same fitness; a job whose reported fitness differs did not report what it trained.
"""

from __future__ import annotations

from pathlib import Path

import torch

from rewardsmith.tasks.instances import make_task
from rewardsmith.tasks.protocol import Task
from rewardsmith.tasks.spec import BoxSpace
from rewardsmith.training.config import TrainConfig
from rewardsmith.training.evaluate import Evaluation, evaluate, no_reward
from rewardsmith.training.ppo import EVAL_SEED_OFFSET, deterministic_policy, load_policy_state, make_agent


class PolicyFileError(ValueError):
    """The policy file cannot be loaded into this task's policy network; the message says why."""


def rescore_policy(
    task_class: type[Task],
    config: TrainConfig,
    policy_path: Path,
    record: int = 0,
    record_path: Path | None = None,
) -> Evaluation:
    """Evaluate the policy saved at ``policy_path`` on the evaluation episodes of a run with ``config``.

    Args:
        task_class: The task it was trained on.
        config: The training run's config (its seed, evaluation episodes, network and device).
        policy_path: A file written by :func:`rewardsmith.training.train` (``policy_best.pt``).
        record: How many of the episodes to save whole to ``record_path`` (states and actions).
        record_path: The ``.npz`` file for them.

    Raises:
        PolicyFileError: The file is not a policy of this shape (it is read with ``weights_only``, so
            it can hold tensors only, never code).
    """
    config = config.with_hints(task_class.spec.ppo)
    device = config.torch_device()
    dtype = torch.float64 if config.dtype == "float64" else torch.float32
    agent = make_agent(task_class, config, device, updates=1)
    try:
        state = torch.load(policy_path, map_location=device, weights_only=True)
        if not isinstance(state, dict) or not all(isinstance(value, torch.Tensor) for value in state.values()):
            raise PolicyFileError("it does not hold a dict of tensors")
        load_policy_state(agent, state)
    except PolicyFileError:
        raise
    except Exception as error:  # unpickling and shape errors come in many types; all mean a bad file
        raise PolicyFileError(
            f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
        ) from None
    agent.enable_training_mode(False)
    eval_task = make_task(task_class, num_envs=config.eval_episodes, device=device, seed=config.seed, dtype=dtype)
    discrete = not isinstance(task_class.spec.action_space, BoxSpace)

    return evaluate(
        eval_task,
        deterministic_policy(agent, discrete),
        no_reward,
        seed=config.seed + EVAL_SEED_OFFSET,
        record=min(record, config.eval_episodes),
        record_path=record_path,
    )
