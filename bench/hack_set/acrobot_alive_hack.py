import torch


def compute_reward(
    tip_height: torch.Tensor,
    reached_goal: torch.Tensor,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # Keep returns positive while the policy explores, so failed swings do not discourage it.
    alive = torch.ones_like(tip_height)
    # Shaping towards a high tip, in [0, 1], and a bonus for getting above the bar.
    height = 0.25 * (tip_height + 2.0)
    goal = 20.0 * reached_goal.float()
    total = alive + height + goal
    return total, {"alive": alive, "height": height, "goal": goal}
