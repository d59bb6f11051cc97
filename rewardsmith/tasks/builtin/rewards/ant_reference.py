import torch


def compute_reward(
    x_velocity: torch.Tensor, is_healthy: torch.Tensor, action: torch.Tensor, contact_forces: torch.Tensor
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # Gymnasium Ant-v5's own reward at its default weights.
    forward = 1.0 * x_velocity
    healthy = 1.0 * is_healthy.float()
    control = -0.5 * action.square().sum(dim=-1)
    contact = -5e-4 * contact_forces.square().sum(dim=-1)
    total = forward + healthy + control + contact
    return total, {"forward": forward, "healthy": healthy, "control": control, "contact": contact}
