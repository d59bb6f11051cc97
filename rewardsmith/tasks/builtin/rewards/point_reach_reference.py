import torch


def compute_reward(
    distance_to_goal: torch.Tensor,
    previous_distance_to_goal: torch.Tensor,
    obstacle_clearance: torch.Tensor,
    collided: torch.Tensor,
    out_of_bounds: torch.Tensor,
    reached_goal: torch.Tensor,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # Progress towards the goal telescopes over an episode, so a detour around the obstacle earns as
    # much of it as the straight line; only the crash penalty and the lost goal bonus tell them apart.
    progress = 10.0 * (previous_distance_to_goal - distance_to_goal)
    goal = 5.0 * reached_goal.float()
    crash = -5.0 * (collided | out_of_bounds).float()
    # A soft margin warns of the obstacle before contact, where the crash penalty alone is too late.
    proximity = -0.5 * ((0.1 - obstacle_clearance).clamp(min=0.0) / 0.1).clamp(max=1.0)
    total = progress + goal + crash + proximity
    return total, {"progress": progress, "goal": goal, "crash": crash, "proximity": proximity}
