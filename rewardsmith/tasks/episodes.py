"""Per-environment episode bookkeeping shared by every task family: step counts and running fitness."""

from __future__ import annotations

import torch


class EpisodeTally:
    """Each environment's steps so far and running fitness, and what an ending episode reports."""

    def __init__(self, num_envs: int, device: torch.device) -> None:
        self.step = torch.zeros(num_envs, dtype=torch.int64, device=device)
        self.fitness = torch.zeros(num_envs, dtype=torch.float32, device=device)

    def restart_all(self) -> None:
        # New tensors, not zero_(): earlier StepOutput.state dicts still hold the old ones.
        self.step = torch.zeros_like(self.step)
        self.fitness = torch.zeros_like(self.fitness)

    def ended(self, done: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Fitness (NaN elsewhere) and length (0 elsewhere) of the episodes that end where ``done``."""
        nan = torch.full_like(self.fitness, float("nan"))
        episode_fitness = torch.where(done, self.fitness, nan)
        episode_length = torch.where(done, self.step, torch.zeros_like(self.step))
        return episode_fitness, episode_length

    def close(self, done: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, bool]:
        """:meth:`ended`, then new episodes where ``done``; the bool says whether any ended (the step's one
        host sync, which tasks keep as ``any_done``)."""
        any_done = bool(done.any())
        if not any_done:
            # Most steps end no episode: two fills, where ended() would select element by element.
            return torch.full_like(self.fitness, float("nan")), torch.zeros_like(self.step), False
        episode_fitness, episode_length = self.ended(done)
        self.restart(done)
        return episode_fitness, episode_length, True

    def restart(self, done: torch.Tensor) -> None:
        """Start new episodes where ``done``; out of place, as :meth:`restart_all`."""
        self.step = self.step.masked_fill(done, 0)
        self.fitness = self.fitness.masked_fill(done, 0.0)
