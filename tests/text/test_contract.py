"""The text reward contract: one fixture per way generated verifier code fails, and a good one with columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.rewards.errors import (
    BadSignatureError,
    NoFunctionError,
    NonFiniteError,
    RewardContractError,
    RewardRuntimeError,
    RewardSyntaxError,
    WrongReturnTypeError,
    WrongShapeError,
)
from rewardsmith.text.contract import load_text_reward

GOOD = """
```python
def compute_reward(prompts, completions, answers, facts, **columns):
    hits = [float(sum(f in c for f in fs)) for c, fs in zip(completions, facts)]
    short = [-0.01 * len(c) for c in completions]
    return [h + s for h, s in zip(hits, short)], {"facts": hits, "length": short}
```
"""

BROKEN: dict[str, tuple[str, type[RewardContractError], str]] = {
    "syntax": ("def compute_reward(prompts, completions, answers:\n    return 1", RewardSyntaxError, "line 1"),
    "no_function": ("def reward(prompts, completions, answers):\n    return [], {}", NoFunctionError, "reward"),
    "signature": ("def compute_reward(completions, prompts, answers):\n    return [], {}", BadSignatureError, "first"),
    "raises": ("def compute_reward(prompts, completions, answers):\n    return 1 / 0", RewardRuntimeError, "line 2"),
    "not_a_tuple": ("def compute_reward(prompts, completions, answers):\n    return [0.0]", WrongReturnTypeError,
                    "list"),
    "short": ("def compute_reward(prompts, completions, answers):\n    return [0.0], {}", WrongShapeError, "1 values"),
    "nan": (
        "def compute_reward(prompts, completions, answers):\n    return [float('nan')] * len(completions), {}",
        NonFiniteError,
        "finite",
    ),
    "bool": (
        "def compute_reward(prompts, completions, answers):\n    return [c == '' for c in completions], {}",
        WrongReturnTypeError,
        "bool",
    ),
    "import": ("import not_a_module_anywhere\ndef compute_reward(prompts, completions, answers):\n    return [], {}",
               RewardRuntimeError, "ModuleNotFoundError"),
}  # fmt: skip


def test_a_good_reward_gets_columns_by_name_and_returns_checked_components(tmp_path: Path) -> None:
    reward = load_text_reward(GOOD, tmp_path)
    output = reward(["p", "q"], ["Oslo in 1990", "no"], [None, None], {"facts": [["Oslo", "1990"], ["Rome"]]})
    assert output.rewards == pytest.approx([2 - 0.12, -0.02])
    assert output.components == {"facts": [2.0, 0.0], "length": pytest.approx([-0.12, -0.02])}
    assert reward.path.parent == tmp_path and reward.path.read_text() in GOOD


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_reward_raises_its_typed_error(name: str, tmp_path: Path) -> None:
    code, error, fragment = BROKEN[name]
    with pytest.raises(error, match=fragment):
        reward = load_text_reward(code, tmp_path)
        reward(["a", "b"], ["x", "y"], ["1", "2"])


def test_a_batch_of_unequal_lists_is_refused_before_the_code_runs(tmp_path: Path) -> None:
    reward = load_text_reward(GOOD, tmp_path)
    with pytest.raises(ValueError, match="give one each"):
        reward(["p"], ["a", "b"], [None, None])
