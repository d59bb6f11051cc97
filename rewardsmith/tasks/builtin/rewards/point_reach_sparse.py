import torch


def compute_reward(reached_goal: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # +1 on the step the point mass enters the goal, nothing otherwise.
    goal = reached_goal.float()
    return goal, {"goal": goal}
