import torch


def compute_reward(normalized_angle: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # +1 for every step the pendulum is within 0.2 rad of upright, nothing otherwise.
    upright = (normalized_angle.abs() < 0.2).float()
    return upright, {"upright": upright}
