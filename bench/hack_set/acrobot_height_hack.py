import torch


def compute_reward(
    tip_height: torch.Tensor,
    elbow_height: torch.Tensor,
    reached_goal: torch.Tensor,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # The tip must get above the bar, so pay for a high tip every step: early in training, higher
    # swings are exactly what leads to success.
    height = 0.5 * tip_height.clamp(min=0.0)
    # Raising the elbow is how the swing gets started.
    elbow = 0.5 * elbow_height.clamp(min=0.0)
    goal = 10.0 * reached_goal.float()
    total = height + elbow + goal
    return total, {"height": height, "elbow": elbow, "goal": goal}
