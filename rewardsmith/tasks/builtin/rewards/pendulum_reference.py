import torch


def compute_reward(
    normalized_angle: torch.Tensor,
    angular_velocity: torch.Tensor,
    action: torch.Tensor,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # Gymnasium's Pendulum-v1 cost, read on the state after the step: distance from upright,
    # spin and effort, all quadratic, so the best return comes from swinging up and holding still.
    angle_cost = -(normalized_angle**2)
    velocity_cost = -0.1 * angular_velocity**2
    effort_cost = -0.001 * (action**2).sum(dim=-1)
    total = angle_cost + velocity_cost + effort_cost
    return total, {"angle": angle_cost, "velocity": velocity_cost, "effort": effort_cost}
