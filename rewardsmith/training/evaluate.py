"""Deterministic evaluation rollouts: task fitness, designed return, and recorded whole episodes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from pydantic import BaseModel

from rewardsmith.tasks.protocol import State, Task
from rewardsmith.training.rewards import RewardFn, call_reward

PolicyFn = Callable[[torch.Tensor], torch.Tensor]
"""Observation batch in, policy action batch out (deterministic for evaluation)."""


class Evaluation(BaseModel):
    """The outcome of one episode in each of ``episodes`` environments."""

    fitness: list[float]
    episode_length: list[int]
    designed_return: list[float]
    components: dict[str, list[float]] = {}
    """Per-episode sum of each reward component."""

    @property
    def mean_fitness(self) -> float:
        return float(np.mean(self.fitness))


def evaluate(
    task: Task,
    policy: PolicyFn,
    reward: RewardFn,
    seed: int,
    record: int = 0,
    record_path: Path | None = None,
) -> Evaluation:
    """Run one episode in every environment of ``task`` and report each episode's outcome.

    The task's generator is re-seeded with ``seed`` so that every evaluation of a run starts from
    the same initial states and checkpoints are compared on equal terms.

    Args:
        task: An evaluation task; its ``num_envs`` is the number of episodes.
        policy: Maps observations to actions.
        reward: The designed reward, evaluated for the designed return and the recorded components.
        seed: Seed of the initial states.
        record: How many of the episodes to save whole (state, action, every reward component).
        record_path: ``.npz`` file to save them to; required when ``record`` > 0.
    """
    num_envs = task.num_envs
    device = task.device
    task.reseed(seed)
    observation = task.reset()
    finished = torch.zeros(num_envs, dtype=torch.bool, device=device)
    fitness = torch.zeros(num_envs, dtype=torch.float32, device=device)
    length = torch.zeros(num_envs, dtype=torch.int64, device=device)
    designed_return = torch.zeros(num_envs, dtype=torch.float32, device=device)
    component_sums: dict[str, torch.Tensor] = {}
    recorded: list[dict[str, torch.Tensor]] = []
    step = 0
    while not bool(finished.all()):
        with torch.no_grad():
            output = task.step(policy(observation))
        total, components = call_reward(reward, output.state, num_envs, step)
        designed_return += torch.where(finished, torch.zeros_like(total), total)
        for name, value in components.items():
            running = component_sums.setdefault(name, torch.zeros_like(value))
            running += torch.where(finished, torch.zeros_like(value), value)
        if record:
            frame = {f"state/{k}": v[:record].detach().to(torch.float32).cpu() for k, v in output.state.items()}
            frame.update({f"reward/{k}": v[:record].detach().cpu() for k, v in components.items()})
            frame["reward_total"] = total[:record].detach().cpu()
            recorded.append(frame)
        ended = output.done & ~finished
        fitness = torch.where(ended, output.episode_fitness, fitness)
        length = torch.where(ended, output.episode_length, length)
        finished |= output.done
        observation = output.observation
        step += 1
    if record and record_path is not None:
        _save_episodes(recorded, length[:record].cpu(), fitness[:record].cpu(), record_path)
    return Evaluation(
        fitness=fitness.cpu().tolist(),
        episode_length=length.cpu().tolist(),
        designed_return=designed_return.cpu().tolist(),
        components={name: value.cpu().tolist() for name, value in component_sums.items()},
    )


def _save_episodes(
    frames: list[dict[str, torch.Tensor]], length: torch.Tensor, fitness: torch.Tensor, path: Path
) -> None:
    # Steps after an episode's end belong to the next episode; mark them NaN so no reader mixes them in.
    arrays: dict[str, np.ndarray] = {}
    steps = torch.arange(len(frames)).unsqueeze(1)
    after_end = steps >= length.unsqueeze(0)
    for key in frames[0]:
        stacked = torch.stack([frame[key] for frame in frames])  # [T, k, ...]
        mask = after_end.reshape(*after_end.shape, *([1] * (stacked.dim() - 2)))
        stacked = stacked.masked_fill(mask, float("nan"))
        arrays[key] = stacked.transpose(0, 1).numpy()
    arrays["length"] = length.numpy()
    arrays["fitness"] = fitness.numpy()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


def no_reward(state: State) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """A reward of zero: probe rollouts and rescoring record behaviour, not any candidate's opinion of it."""
    any_tensor = next(iter(state.values()))
    return torch.zeros(any_tensor.shape[0], device=any_tensor.device), {}
