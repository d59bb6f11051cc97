import torch


def compute_reward(torso_pitch: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # Paid only while the torso pitches nose-down by 0.5 rad or more.
    standing = (torso_pitch >= 0.5).float()
    return standing, {"standing": standing}
