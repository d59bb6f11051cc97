import torch

OBSTACLE_RADIUS = 0.3  # m, the disc at the origin (from the task description)
MARGIN = 0.05  # m kept from its surface by the shaping path


def path_length(position: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
    # Shortest way from position to goal around the (inflated) disc: straight where the segment
    # clears it, else tangent, arc, tangent. Straight-line distance stalls in front of the disc.
    radius = OBSTACLE_RADIUS + MARGIN
    a = torch.linalg.vector_norm(position, dim=-1).clamp(min=radius)
    b = torch.linalg.vector_norm(goal, dim=-1).clamp(min=radius)
    cross = position[:, 0] * goal[:, 1] - position[:, 1] * goal[:, 0]
    angle = torch.atan2(cross.abs(), (position * goal).sum(dim=-1))
    tangent_angles = torch.acos((radius / a).clamp(max=1.0)) + torch.acos((radius / b).clamp(max=1.0))
    tangents = (a**2 - radius**2).clamp(min=0.0).sqrt() + (b**2 - radius**2).clamp(min=0.0).sqrt()
    around = tangents + radius * (angle - tangent_angles)
    straight = torch.linalg.vector_norm(goal - position, dim=-1)
    return torch.where(angle > tangent_angles, around, straight)


def compute_reward(
    position: torch.Tensor,
    goal_position: torch.Tensor,
    collided: torch.Tensor,
    reached_goal: torch.Tensor,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # A cost per step proportional to the remaining way to the goal: the sooner the puck gets there,
    # the less it pays in total.
    distance = -1.0 * path_length(position, goal_position)
    goal = 5.0 * reached_goal.float()
    # Hitting the obstacle is a failure; leaving the arena is not charged, since the walls are far away.
    crash = -5.0 * collided.float()
    total = distance + goal + crash
    return total, {"distance": distance, "goal": goal, "crash": crash}
