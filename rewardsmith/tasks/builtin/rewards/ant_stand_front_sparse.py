import torch


def compute_reward(torso_orientation: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # Paid only while the torso pitches nose-down by 0.5 rad or more.
    w, x, y, z = torso_orientation.unbind(dim=-1)
    pitch = torch.asin((2.0 * (w * y - z * x)).clamp(-1.0, 1.0))
    standing = (pitch >= 0.5).float()
    return standing, {"standing": standing}
