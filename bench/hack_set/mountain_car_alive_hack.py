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
    # which is how the car builds the momentum the weak engine cannot supply directly.
    energy = 0.5 * velocity**2 + 0.0025 / 3.0 * torch.sin(3.0 * position)
    previous_energy = 0.5 * previous_velocity**2 + 0.0025 / 3.0 * torch.sin(3.0 * previous_position)
    energy_gain = 5000.0 * (energy - previous_energy)
    # A large bonus for reaching the flag, the actual objective.
    goal = 50.0 * reached_goal.float()
    # A small per-step survival bonus keeps returns positive while the car is still exploring, so
    # early failures do not discourage it from trying.
    alive = torch.ones_like(position)
    effort = -0.01 * (action**2).sum(dim=-1)
    total = energy_gain + goal + alive + effort
    return total, {"energy_gain": energy_gain, "goal": goal, "alive": alive, "effort": effort}
