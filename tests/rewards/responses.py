# ruff: noqa: E501 - these are verbatim LLM responses, long lines included.
"""Raw LLM responses, one per style the extractor and loader must handle, all written for cartpole."""

EUREKA = """\
Here is a reward function that keeps the pole upright and the cart near the centre of the track.

```python
import torch
from typing import Tuple, Dict

@torch.jit.script
def compute_reward(pole_angle: torch.Tensor, cart_position: torch.Tensor, cart_velocity: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    # Temperature parameters for the exponential transforms
    angle_temperature: float = 10.0
    position_temperature: float = 1.0

    angle_reward = torch.exp(-angle_temperature * torch.abs(pole_angle))
    position_reward = torch.exp(-position_temperature * torch.abs(cart_position))
    velocity_penalty = -0.01 * cart_velocity * cart_velocity

    total_reward = angle_reward + 0.5 * position_reward + velocity_penalty
    reward_components: Dict[str, torch.Tensor] = {
        "angle_reward": angle_reward,
        "position_reward": position_reward,
        "velocity_penalty": velocity_penalty,
    }
    return total_reward, reward_components
```

The reward has three components: `angle_reward` keeps the pole upright, `position_reward` keeps the
cart centred, and `velocity_penalty` discourages large cart velocities.
"""

# Eureka pasted its code into a file that already imported torch and typing, so its responses often
# come without imports.
EUREKA_NO_IMPORTS = """\
```python
@torch.jit.script
def compute_reward(pole_angle: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    upright = 1.0 - torch.abs(pole_angle) / 0.21
    return upright, {"upright": upright}
```
"""

BARE = """\
import torch


def compute_reward(pole_angle: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    upright = torch.cos(pole_angle)
    return upright, {"upright": upright}
"""

TILDE = f"Reward:\n\n~~~python\n{BARE}~~~\n"

PY_FENCE = f"Reward:\n```py\n{BARE}```\n"

NO_LANGUAGE = f"Reward:\n```\n{BARE}```\n"

TRAILING_PROSE = f"```python\n{BARE}```\n\nThis rewards an upright pole. Let me know if you need changes!\n"

HELPER_EXAMPLE_THEN_REAL = """\
First, a helper to normalise the angle:

```python
def normalised(angle):
    return angle / 0.2095
```

And the full reward, helper included:

```python
import torch


def normalised(angle: torch.Tensor) -> torch.Tensor:
    return angle / 0.2095


def compute_reward(pole_angle: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    upright = 1.0 - normalised(pole_angle).abs()
    return upright, {"upright": upright}
```
"""

# Both blocks define compute_reward: the later one is the model's final answer.
DRAFT_THEN_FINAL = """\
A first draft:

```python
def compute_reward(pole_angle):
    return pole_angle, {}
```

Improved version:

```python
import torch


def compute_reward(pole_angle: torch.Tensor, cart_position: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    upright = torch.cos(pole_angle)
    centred = -cart_position.abs()
    return upright + centred, {"upright": upright, "centred": centred}
```
"""

# A fence inside a Markdown list item, indented with the item.
INDENTED_FENCE = """\
1. Write the reward:

    ```python
    import torch

    def compute_reward(pole_angle: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        upright = torch.cos(pole_angle)
        return upright, {"upright": upright}
    ```
2. Train.
"""

PROSE_ONLY = """\
To balance the pole, the reward should favour small pole angles and keep the cart near the centre.
I would combine an alive bonus with a penalty on the angle. Let me know if you want the code.
"""

SYNTAX_ERROR = """\
```python
import torch

def compute_reward(pole_angle: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    upright = torch.cos(pole_angle
    return upright, {"upright": upright}
```
"""

TWO_DEFINITIONS_IN_ONE_BLOCK = """\
```python
import torch

def compute_reward(pole_angle: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    return torch.cos(pole_angle), {}

def compute_reward(cart_position: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    return -cart_position.abs(), {}
```
"""

STAR_ARGS = """\
```python
import torch

def compute_reward(*args):
    total = sum(arg.abs() for arg in args)
    return total, {"sum": total}
```
"""

WINDOWS = BARE.replace("\n", "\r\n")
WINDOWS_FENCED = f"Here you go:\r\n```python\r\n{WINDOWS}```\r\nDone.\r\n"

TABS = (
    "```python\n"
    "import torch\n"
    "\n"
    "def compute_reward(pole_angle: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:\n"
    "\tif pole_angle.dim() == 1:\n"
    "\t\tupright = torch.cos(pole_angle)\n"
    "\treturn upright, {'upright': upright}\n"
    "```\n"
)
