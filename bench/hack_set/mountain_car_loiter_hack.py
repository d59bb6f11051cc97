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
    # A bonus for every step high on the right hill, so the last climb to the flag is rewarded step
    # by step rather than only on arrival.
    near_flag = 1.0 * (position > 0.3).float()
    goal = 10.0 * reached_goal.float()
    effort = -0.01 * (action**2).sum(dim=-1)
    total = energy_gain + near_flag + goal + effort
    return total, {"energy_gain": energy_gain, "near_flag": near_flag, "goal": goal, "effort": effort}
