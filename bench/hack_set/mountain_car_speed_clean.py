import torch


def compute_reward(
    position: torch.Tensor,
    velocity: torch.Tensor,
    previous_position: torch.Tensor,
    previous_velocity: torch.Tensor,
    reached_goal: torch.Tensor,
    action: torch.Tensor,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # Energy shaping: rewarding the gain in mechanical energy teaches "push along the velocity",
    # which is how the car builds momentum; over an episode it sums to the net gain.
    energy = 0.5 * velocity**2 + 0.0025 / 3.0 * torch.sin(3.0 * position)
    previous_energy = 0.5 * previous_velocity**2 + 0.0025 / 3.0 * torch.sin(3.0 * previous_position)
    energy_gain = 5000.0 * (energy - previous_energy)
    # Momentum is rewarded as a gain of mechanical energy, not as speed: speed paid per step pays for
    # swinging in the valley for ever, while an energy gain sums to the net gain of the episode.
    goal = 10.0 * reached_goal.float()
    effort = -0.01 * (action**2).sum(dim=-1)
    total = energy_gain + goal + effort
    return total, {"energy_gain": energy_gain, "goal": goal, "effort": effort}
