import torch


def compute_reward(reached_goal: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # +1 on the step the tip rises above the bar, nothing before: no hint of how to get there.
    goal = reached_goal.float()
    return goal, {"goal": goal}
