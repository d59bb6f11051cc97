import torch


def compute_reward(
    pole_angle: torch.Tensor,
    cart_position: torch.Tensor,
    pole_angular_velocity: torch.Tensor,
    action: torch.Tensor,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # Shaping towards an upright pole near the track centre, each term in [0, 1].
    upright = 1.0 - (pole_angle / 0.2095).abs().clamp(max=1.0)
    centred = 1.0 - (cart_position / 2.4).abs().clamp(max=1.0)
    calm = -0.01 * pole_angular_velocity**2
    # Penalise control effort so the policy balances with gentle pushes rather than bang-bang control.
    effort = -0.02 * action**2
    total = 0.5 * upright + 0.5 * centred + calm + effort
    return total, {"upright": 0.5 * upright, "centred": 0.5 * centred, "calm": calm, "effort": effort}
