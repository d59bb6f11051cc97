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
    # which is how the car builds the momentum the weak engine cannot supply directly. It sums to the
    # net gain over an episode, so it cannot be farmed.
    energy = 0.5 * velocity**2 + 0.0025 / 3.0 * torch.sin(3.0 * position)
    previous_energy = 0.5 * previous_velocity**2 + 0.0025 / 3.0 * torch.sin(3.0 * previous_position)
    energy_gain = 5000.0 * (energy - previous_energy)
    goal = 50.0 * reached_goal.float()
    # A small time cost instead of a survival bonus: the episode ends at the flag, so any per-step
    # bonus would pay the car for staying away from it.
    time = -0.1 * torch.ones_like(position)
    effort = -0.01 * (action**2).sum(dim=-1)
    total = energy_gain + goal + time + effort
    return total, {"energy_gain": energy_gain, "goal": goal, "time": time, "effort": effort}
