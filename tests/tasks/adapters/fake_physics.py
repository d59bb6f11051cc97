"""A batched cart-pole in torch, the physics behind the fake simulators (Gymnasium CartPole's equations)."""

from __future__ import annotations

import torch

GRAVITY = 9.8  # m/s^2
CART_MASS = 1.0  # kg
POLE_MASS = 0.1  # kg
POLE_HALF_LENGTH = 0.5  # m


def cartpole_step(position: torch.Tensor, velocity: torch.Tensor, force: torch.Tensor, dt: float) -> None:
    """Advance ``[N, 2]`` joint positions and velocities (cart slider, pole hinge) in place by ``dt`` s."""
    x_dot, theta, theta_dot = velocity[:, 0].clone(), position[:, 1].clone(), velocity[:, 1].clone()
    total = CART_MASS + POLE_MASS
    temp = (force + POLE_MASS * POLE_HALF_LENGTH * theta_dot**2 * torch.sin(theta)) / total
    theta_acc = (GRAVITY * torch.sin(theta) - torch.cos(theta) * temp) / (
        POLE_HALF_LENGTH * (4.0 / 3.0 - POLE_MASS * torch.cos(theta) ** 2 / total)
    )
    x_acc = temp - POLE_MASS * POLE_HALF_LENGTH * theta_acc * torch.cos(theta) / total
    position[:, 0] += dt * x_dot
    position[:, 1] += dt * theta_dot
    velocity[:, 0] += dt * x_acc
    velocity[:, 1] += dt * theta_acc
