"""`rewardsmith train --reward FILE` reviews the file with the critic and trains it in the sandbox."""

from __future__ import annotations

from pathlib import Path

from rewardsmith.sandbox import SandboxUnavailableError, choose_backend
from tests.cli.test_app import assert_one_line_error, rewardsmith
from tests.sandbox.backends import unavailable

HOSTILE = """
import os
os.system("touch {marker}")

def compute_reward(pole_angle):
    os.system("touch {marker}")
    return pole_angle, {{}}
"""

UPRIGHT = """Here is a reward that keeps the pole up:

```python
import torch

def compute_reward(pole_angle):
    upright = torch.exp(-pole_angle.abs() / 0.2)
    return upright, {"upright": upright}
```
"""


def test_a_hostile_reward_file_is_refused_by_the_critic_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    reward = tmp_path / "hostile.py"
    reward.write_text(HOSTILE.format(marker=marker))
    out = tmp_path / "runs"
    result = rewardsmith("train", "cartpole", "--reward", str(reward), "--out", str(out))
    assert_one_line_error(result, "the critic refuses --reward", "forbidden_import")
    assert not marker.exists()
    assert not out.exists()


def test_a_reward_the_critic_accepts_trains_in_the_default_sandbox(tmp_path: Path) -> None:
    try:
        backend = choose_backend("auto").name
    except SandboxUnavailableError as error:
        unavailable(str(error))
    reward = tmp_path / "upright.md"
    reward.write_text(UPRIGHT)
    result = rewardsmith("train", "cartpole", "--reward", str(reward), "--steps", "8192", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert f"sandbox: {backend}" in result.stdout
    assert "episode_length = " in result.stdout
    run = next(tmp_path.glob("*-train-cartpole"))
    assert (run / "training").is_dir() and (run / "job" / "reward.py").read_text().startswith("import torch")
