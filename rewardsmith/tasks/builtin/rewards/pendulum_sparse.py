import torch


def compute_reward(
    normalized_angle: torch.Tensor, episode_step: torch.Tensor
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # The outcome alone: +1 on the episode's last step if the pendulum is within 0.2 rad of upright then.
    upright_at_end = ((episode_step >= 200) & (normalized_angle.abs() < 0.2)).float()
    return upright_at_end, {"upright_at_end": upright_at_end}
