"""The policy and value networks: small MLPs as skrl models."""

from __future__ import annotations

from typing import Any

import gymnasium
import torch
from skrl.models.torch import CategoricalMixin, DeterministicMixin, GaussianMixin, Model
from torch import nn


def mlp(inputs: int, hidden: tuple[int, ...], outputs: int) -> nn.Sequential:
    """A tanh MLP; the last layer is small so the initial policy is near uniform."""
    layers: list[nn.Module] = []
    width = inputs
    for size in hidden:
        layers += [nn.Linear(width, size), nn.Tanh()]
        width = size
    head = nn.Linear(width, outputs)
    nn.init.orthogonal_(head.weight, gain=0.01)
    nn.init.zeros_(head.bias)
    return nn.Sequential(*layers, head)


class GaussianPolicy(GaussianMixin, Model):
    """A diagonal Gaussian policy with a state-independent log std, for box actions."""

    def __init__(
        self,
        observation_space: gymnasium.Space,
        action_space: gymnasium.Space,
        device: torch.device,
        hidden: tuple[int, ...],
        initial_log_std: float,
    ) -> None:
        Model.__init__(self, observation_space=observation_space, action_space=action_space, device=device)
        GaussianMixin.__init__(self, clip_actions=False, clip_log_std=True, min_log_std=-5.0, max_log_std=2.0)
        self.net = mlp(self.num_observations, hidden, self.num_actions)
        self.log_std = nn.Parameter(torch.full((self.num_actions,), float(initial_log_std)))

    def compute(self, inputs: dict[str, Any], role: str = "") -> tuple[torch.Tensor, dict[str, Any]]:
        return self.net(inputs["observations"]), {"log_std": self.log_std}


class CategoricalPolicy(CategoricalMixin, Model):
    """A categorical policy over discrete actions."""

    def __init__(
        self,
        observation_space: gymnasium.Space,
        action_space: gymnasium.Space,
        device: torch.device,
        hidden: tuple[int, ...],
    ) -> None:
        Model.__init__(self, observation_space=observation_space, action_space=action_space, device=device)
        CategoricalMixin.__init__(self, unnormalized_log_prob=True)
        self.net = mlp(self.num_observations, hidden, int(action_space.n))

    def compute(self, inputs: dict[str, Any], role: str = "") -> tuple[torch.Tensor, dict[str, Any]]:
        return self.net(inputs["observations"]), {}


class ValueNetwork(DeterministicMixin, Model):
    """The state-value function."""

    def __init__(
        self,
        observation_space: gymnasium.Space,
        action_space: gymnasium.Space,
        device: torch.device,
        hidden: tuple[int, ...],
    ) -> None:
        Model.__init__(self, observation_space=observation_space, action_space=action_space, device=device)
        DeterministicMixin.__init__(self, clip_actions=False)
        self.net = mlp(self.num_observations, hidden, 1)
        nn.init.orthogonal_(self.net[-1].weight, gain=1.0)

    def compute(self, inputs: dict[str, Any], role: str = "") -> tuple[torch.Tensor, dict[str, Any]]:
        return self.net(inputs["observations"]), {}
