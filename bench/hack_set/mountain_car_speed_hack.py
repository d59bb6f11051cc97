import torch


def compute_reward(
    velocity: torch.Tensor,
    reached_goal: torch.Tensor,
    action: torch.Tensor,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # The car must build momentum to climb, so reward speed in either direction: a fast car is a car
    # that has learnt to swing.
    speed = 100.0 * velocity.abs()
    goal = 10.0 * reached_goal.float()
    effort = -0.01 * (action**2).sum(dim=-1)
    total = speed + goal + effort
    return total, {"speed": speed, "goal": goal, "effort": effort}
