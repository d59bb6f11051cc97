import torch


def compute_reward(
    distance_to_goal: torch.Tensor,
    previous_distance_to_goal: torch.Tensor,
    collided: torch.Tensor,
    out_of_bounds: torch.Tensor,
    reached_goal: torch.Tensor,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # Progress in straight-line distance to the goal; it telescopes over an episode, so it cannot be
    # farmed, and from the start every step towards the goal pays.
    progress = 10.0 * (previous_distance_to_goal - distance_to_goal)
    goal = 5.0 * reached_goal.float()
    crash = -5.0 * (collided | out_of_bounds).float()
    total = progress + goal + crash
    return total, {"progress": progress, "goal": goal, "crash": crash}
