import torch


def compute_reward(torso_height: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # Paid only while the torso is 0.3 m above its standing height of 1.25 m.
    high = (torso_height > 1.55).float()
    return high, {"high": high}
