"""Planted cartpole reward candidates, one per way generated code goes wrong inside a sandbox.

"Later" candidates behave for the first 150 calls, which verification (100 calls) never gets past, and
misbehave in training, so that training's own failure path is the one exercised.
"""

from __future__ import annotations

import textwrap

#: Unique arguments of the `sleep` processes the STRAYS candidate starts, so tests can look for them.
STRAY_IN_GROUP = "3141.59"
STRAY_NEW_SESSION = "2718.28"

GOOD = """\
```python
import torch

def compute_reward(pole_angle: torch.Tensor, cart_position: torch.Tensor) -> tuple[torch.Tensor, dict]:
    alive = torch.ones_like(pole_angle)
    upright = -pole_angle.abs()
    centred = -0.1 * cart_position.abs()
    return alive + upright + centred, {"alive": alive, "upright": upright, "centred": centred}
```
"""

SYNTAX_ERROR = """\
def compute_reward(pole_angle):
    return pole_angle * 2, {"double": pole_angle * 2
"""

UNKNOWN_VARIABLE = """\
def compute_reward(pole_angle, pole_tip_height):
    return pole_angle, {"angle": pole_angle}
"""

NAN = """\
import torch

def compute_reward(pole_angle):
    value = torch.log(pole_angle)  # NaN wherever the pole leans left
    return value, {"log_angle": value}
"""

INFINITE_LOOP = """\
def compute_reward(pole_angle):
    while True:
        pass
"""

HUGE_ALLOCATION = """\
import torch

def compute_reward(pole_angle):
    scratch = torch.empty(5 * 2**30)  # 20 GiB of float32
    return pole_angle + scratch[0], {"angle": pole_angle}
"""

ABORT = """\
import os

def compute_reward(pole_angle):
    os.abort()
"""

SYS_EXIT = """\
import sys

def compute_reward(pole_angle):
    sys.exit(3)
"""

OS_EXIT = """\
import os

def compute_reward(pole_angle):
    os._exit(3)
"""

FORGED_RESULT = """\
import json
import sys
from pathlib import Path

import torch

_forged = False

def compute_reward(pole_angle):
    global _forged
    if not _forged:  # once: writing on every call would make the reward fail verify as too slow
        # The runner's arguments are JOB_DIR OUT_DIR; claim a failure the reward never had.
        job = json.loads(Path(sys.argv[1], "job.json").read_text())
        forged = {"job_id": job["id"], "ok": False, "failure": {"kind": "crashed", "message": "FORGED"}}
        Path(sys.argv[2], "result.json").write_text(json.dumps(forged))
        _forged = True
    alive = torch.ones_like(pole_angle)
    return alive, {"alive": alive}
"""

HUGE_RESULT_THEN_EXIT = """\
import os
import sys
from pathlib import Path

def compute_reward(pole_angle):
    Path(sys.argv[2], "result.json").write_text("{" + " " * (8 * 2**20) + "}")
    os._exit(0)
"""

PRINT_FLOOD = """\
import torch

print("x" * 100_000_000)  # 100 MB, once, at import

def compute_reward(pole_angle):
    alive = torch.ones_like(pole_angle)
    return alive, {"alive": alive}
"""

RAW_WRITE_FLOOD = """\
import os

def compute_reward(pole_angle):
    chunk = b"y" * 2**20
    for _ in range(100):  # 100 MiB straight to the stdout descriptor, past any Python-level cap
        os.write(1, chunk)
    return pole_angle, {"angle": pole_angle}
"""

STRAYS = f"""\
import subprocess

import torch

subprocess.Popen(["sleep", "{STRAY_IN_GROUP}"])
subprocess.Popen(["sleep", "{STRAY_NEW_SESSION}"], start_new_session=True)

def compute_reward(pole_angle):
    alive = torch.ones_like(pole_angle)
    return alive, {{"alive": alive}}
"""


def later(misbehaviour: str) -> str:
    """A candidate that returns a valid reward for 150 calls, then runs ``misbehaviour``."""
    return f"""\
import os
import sys

import torch

_calls = 0

def compute_reward(pole_angle):
    global _calls
    _calls += 1
    alive = torch.ones_like(pole_angle)
    if _calls > 150:
{textwrap.indent(misbehaviour, " " * 8)}
    return alive, {{"alive": alive}}
"""


NAN_COMPONENT_LATER = """\
import torch

_calls = 0

def compute_reward(pole_angle):
    global _calls
    _calls += 1
    alive = torch.ones_like(pole_angle)
    broken = torch.zeros_like(pole_angle) if _calls <= 150 else alive * float("nan")
    return alive, {"alive": alive, "broken": broken}  # training checks only the total for NaN
"""

NAN_LATER = later('alive = alive * float("nan")')
RAISE_LATER = later('raise ValueError("the pole fell over")')
SYS_EXIT_LATER = later("sys.exit(3)")
HUGE_ALLOCATION_LATER = later("alive = alive + torch.empty(5 * 2**30)[0]")
INFINITE_LOOP_LATER = later("while True:\n    pass")
