import torch


def compute_reward(
    tip_height: torch.Tensor,
    angular_velocity: torch.Tensor,
    action: torch.Tensor,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # Height of the free end: 1 upright, -1 hanging.
    height = tip_height
    # Angular speed is charged, not paid: the swing-up still pays through the height it reaches,
    # while spinning through the top costs more than it earns, so holding still upright is best.
    spin = -0.02 * angular_velocity**2
    effort = -0.001 * (action**2).sum(dim=-1)
    total = height + spin + effort
    return total, {"height": height, "spin": spin, "effort": effort}
