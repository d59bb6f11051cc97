"""The static critic: one fixture per failure mode of generated code, and clean code that passes."""

from __future__ import annotations

import pytest

from rewardsmith.agents import Candidate, CriticVerdict, Draft, StaticCritic
from rewardsmith.tasks import load_task, task_names

CARTPOLE = load_task("cartpole").spec

CLEAN = """
import math
from typing import Dict, Tuple

import torch
import torch.nn.functional as F


def compute_reward(
    pole_angle: torch.Tensor, cart_position: torch.Tensor
) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    upright = torch.exp(-pole_angle.abs() / 0.2)
    centred = 0.5 * F.relu(1.0 - cart_position.abs() / 2.4)
    components = {"upright": upright, "centred": centred}
    total = torch.zeros_like(pole_angle)
    for name in ("upright", "centred"):
        total = total + components[name]
    scaled = {name: value * math.pi for name, value in components.items()}
    return total, scaled
"""

EUREKA_STYLE = """Here is my reward:

```python
@torch.jit.script
def compute_reward(pole_angle: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    temperature: float = 0.1
    upright = torch.exp(-torch.abs(pole_angle) / temperature)
    return upright, {"upright": upright}
```
"""


def body(*lines: str, parameters: str = "pole_angle") -> str:
    """A compute_reward whose body is ``lines`` followed by a valid return."""
    inner = "\n".join(f"    {line}" for line in lines)
    return (
        f"import torch\n\n\ndef compute_reward({parameters}):\n{inner}\n"
        '    value = torch.zeros_like(pole_angle)\n    return value, {"value": value}\n'
    )


def review(answer: str) -> CriticVerdict:
    """The critic's verdict on the code a designer takes from ``answer`` (a reply, or bare code)."""
    draft = Draft.from_answer(answer, designer="test")
    return StaticCritic().review(Candidate.of(draft, candidate_id="c", iteration=1), CARTPOLE)


def rules(verdict: CriticVerdict, severity: str = "error") -> set[str]:
    return {finding.rule for finding in verdict.findings if finding.severity == severity}


def test_clean_code_passes_without_findings() -> None:
    verdict = review(CLEAN)
    assert verdict.passed, verdict.findings
    assert verdict.findings == []
    assert verdict.critic == "rule-based" and verdict.candidate_id == "c"


def test_an_eureka_style_response_passes() -> None:
    assert review(EUREKA_STYLE).passed


@pytest.mark.parametrize("name", task_names())
def test_every_builtin_reference_and_sparse_reward_passes(name: str) -> None:
    spec = load_task(name).spec
    for code in filter(None, (spec.reference_reward_code, spec.sparse_reward_code)):
        verdict = StaticCritic().review(Candidate(id="r", iteration=0, code=code, designer="human"), spec)
        assert verdict.passed and not verdict.findings, verdict.findings


FAILURES = {
    "forbidden_import": [
        "import os\n" + body(),
        "import subprocess as sp\n" + body(),
        "from ctypes import CDLL\n" + body(),
        "from torch import hub\n" + body(),
        "import torch.utils.cpp_extension\n" + body(),
        "import importlib\n" + body(),
        "from torch import *\n" + body(),
    ],
    "forbidden_call": [
        body("x = eval('1')"),
        body("exec('import os')"),
        body("data = open('/etc/passwd').read()"),
        body("m = __import__('os')"),
        body("g = globals()"),
        body("run = compile('1', 'f', 'eval')"),
        body("f = eval"),
        body("v = getattr(torch, 'lo' + 'ad')"),
    ],
    "dunder_access": [
        body("c = pole_angle.__class__"),
        body("b = torch.__builtins__"),
        body("s = ().__class__.__bases__[0].__subclasses__()"),
        body("d = getattr(pole_angle, '__dict__')"),
        body("b = __builtins__"),
    ],
    "forbidden_api": [
        body("torch.save(pole_angle, 'x.pt')"),
        body("w = torch.load('weights.pt')"),
        body("torch.manual_seed(0)"),
        body("torch.set_default_dtype(torch.float64)"),
        body("torch.os.system('true')"),
        body("h = getattr(torch, 'hub')"),
    ],
    "global_statement": [
        "import torch\nCOUNT = 0\n\ndef compute_reward(pole_angle):\n    global COUNT\n    COUNT += 1\n"
        "    return pole_angle * 0, {}\n",
        "import torch\n\ndef outer():\n    n = 0\n    def inner():\n        nonlocal n\n        n += 1\n"
        "    return inner\n\ndef compute_reward(pole_angle):\n    return pole_angle * 0, {}\n",
    ],
    "python_loop": [
        body(
            "out = torch.zeros_like(pole_angle)", "for i in range(pole_angle.shape[0]):", "    out[i] = pole_angle[i]"
        ),
        body("total = 0.0", "for angle in pole_angle:", "    total = total + angle"),
        body("i = 0", "while i < 3:", "    i += 1"),
        body("values = torch.stack([a * 2 for a in pole_angle])"),
        body("for i in range(1000):", "    pass"),
    ],
    "host_transfer": [
        body("values = pole_angle.numpy()"),
        body("values = pole_angle.tolist()"),
        body("values = pole_angle.cpu()"),
    ],
    "unknown_parameter": [body(parameters="pole_angle, pole_angel"), body(parameters="pole_angle, env")],
    "bad_signature": [body(parameters="pole_angle, *args"), body(parameters="pole_angle, **state")],
    "no_compute_reward": [
        "import torch\n\ndef reward(pole_angle):\n    return pole_angle, {}\n",
        "import torch\n\nclass Reward:\n    def compute_reward(self, pole_angle):\n        return pole_angle, {}\n",
    ],
    "duplicate_compute_reward": [body() + "\n\n" + body().split("\n\n\n", 1)[1]],
    "syntax_error": [
        "import torch\n\ndef compute_reward(pole_angle):\n    return pole_angle +, {}\n",
        "def compute_reward(pole_angle)\n    return pole_angle, {}\n",
    ],
    "no_code": ["I would reward the agent for keeping the pole upright."],
    "bad_return": [
        "import torch\n\ndef compute_reward(pole_angle):\n    total = -pole_angle.abs()\n    return total\n",
        "import torch\n\ndef compute_reward(pole_angle):\n    return -pole_angle.abs()\n",
        "import torch\n\ndef compute_reward(pole_angle):\n    x = pole_angle\n    return x, {}, x\n",
        "import torch\n\ndef compute_reward(pole_angle):\n    x = pole_angle\n",
        "import torch\n\ndef compute_reward(pole_angle):\n    return pole_angle, [pole_angle]\n",
        "import torch\n\ndef compute_reward(pole_angle):\n    out = pole_angle, 1, 2\n    return out\n",
    ],
}


@pytest.mark.parametrize(
    ("rule", "code"), [(rule, code) for rule, codes in FAILURES.items() for code in codes], ids=lambda v: str(v)[:40]
)
def test_each_failure_mode_is_an_error_with_its_rule(rule: str, code: str) -> None:
    verdict = review(code)
    assert not verdict.passed
    assert rule in rules(verdict), verdict.findings
    finding = next(finding for finding in verdict.findings if finding.rule == rule)
    assert finding.message
    if rule not in {"no_code"}:
        assert finding.line is not None or rule == "no_compute_reward"


def test_findings_carry_the_offending_line() -> None:
    code = (
        "import torch\nimport os\n\ndef compute_reward(pole_angle):\n    v = pole_angle.__class__\n    return v, {}\n"
    )
    verdict = review(code)
    lines = {finding.rule: finding.line for finding in verdict.findings}
    assert lines["forbidden_import"] == 2
    assert lines["dunder_access"] == 5


def test_unknown_parameter_suggests_the_close_name() -> None:
    verdict = review(body(parameters="pole_angle, pole_angel"))
    assert "Did you mean 'pole_angle'?" in verdict.findings[0].message


def test_syntax_error_is_a_finding_not_an_exception() -> None:
    verdict = review("def compute_reward(pole_angle)\n    return pole_angle, {}\n")
    assert [finding.rule for finding in verdict.findings] == ["syntax_error"]
    assert verdict.findings[0].line == 1


def test_item_is_a_warning_and_passes() -> None:
    verdict = review(body("peak = pole_angle.abs().max().item()"))
    assert verdict.passed
    assert rules(verdict, "warning") == {"item_call"}


def test_large_coefficients_are_a_warning() -> None:
    verdict = review(body("big = 50000.0 * pole_angle"))
    assert verdict.passed
    assert rules(verdict, "warning") == {"large_coefficient"}
    assert review(body("fine = 5000.0 * pole_angle")).findings == []


@pytest.mark.parametrize(
    "loop",
    [
        ["for name in ('a', 'b'):", "    pass"],
        ["names = ['a', 'b']", "for name in names:", "    pass"],
        ["parts = {'a': pole_angle}", "for key, part in parts.items():", "    pass"],
        ["for i in range(3):", "    pass"],
        ["for i, name in enumerate(('a', 'b')):", "    pass"],
        ["scaled = {k: v * 2 for k, v in {'a': pole_angle}.items()}"],
    ],
)
def test_loops_over_fixed_collections_are_fine(loop: list[str]) -> None:
    verdict = review(body(*loop))
    assert verdict.passed and verdict.findings == [], verdict.findings
