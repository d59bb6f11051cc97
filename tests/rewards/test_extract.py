"""extract_code on the response styles LLMs actually produce."""

from __future__ import annotations

import pytest

from rewardsmith.rewards import NoCodeError, extract_code
from tests.rewards import responses as r


def test_eureka_style_keeps_the_code_and_drops_the_prose() -> None:
    code = extract_code(r.EUREKA)
    assert code.startswith("import torch\nfrom typing import Tuple, Dict\n")
    assert "@torch.jit.script\ndef compute_reward(" in code
    assert "Here is a reward" not in code
    assert "three components" not in code
    assert code.endswith("return total_reward, reward_components\n")


@pytest.mark.parametrize(
    "response",
    [r.TILDE, r.PY_FENCE, r.NO_LANGUAGE, r.TRAILING_PROSE, r.BARE],
    ids=["tilde", "py", "no-language", "trailing-prose", "bare"],
)
def test_every_fence_style_yields_the_same_code(response: str) -> None:
    assert extract_code(response) == r.BARE


def test_the_block_that_defines_compute_reward_wins_over_a_helper_example() -> None:
    code = extract_code(r.HELPER_EXAMPLE_THEN_REAL)
    assert "def compute_reward(" in code
    assert "def normalised(angle: torch.Tensor)" in code


def test_the_last_of_several_definitions_wins() -> None:
    code = extract_code(r.DRAFT_THEN_FINAL)
    assert "centred = -cart_position.abs()" in code
    assert "return pole_angle, {}" not in code


def test_an_indented_fence_is_dedented() -> None:
    code = extract_code(r.INDENTED_FENCE)
    assert code.startswith("import torch\n\ndef compute_reward(")
    assert "\n    upright = torch.cos(pole_angle)\n" in code
    assert "Train." not in code


def test_windows_line_endings_become_newlines() -> None:
    code = extract_code(r.WINDOWS_FENCED)
    assert "\r" not in code
    assert code == r.BARE


def test_tabs_are_kept() -> None:
    assert "\n\t\tupright = torch.cos(pole_angle)\n" in extract_code(r.TABS)


def test_an_unclosed_fence_runs_to_the_end() -> None:
    # What a response cut off by the token limit looks like.
    code = extract_code("Sure:\n```python\n" + r.BARE)
    assert code == r.BARE


def test_a_stray_fence_after_the_code_is_ignored() -> None:
    response = "```python\ndef reward(pole_angle):\n    return pole_angle\n```\nThat is all.\n```\n"
    assert extract_code(response) == "def reward(pole_angle):\n    return pole_angle\n"


def test_a_python_block_is_preferred_to_a_shell_block() -> None:
    response = f"Install first:\n```bash\npip install torch\n```\nThen:\n```python\n{r.BARE}```\n"
    assert extract_code(response) == r.BARE


def test_without_compute_reward_the_last_python_block_is_returned_for_the_loader_to_judge() -> None:
    response = "```python\ndef reward(pole_angle):\n    return pole_angle\n```\n"
    assert extract_code(response) == "def reward(pole_angle):\n    return pole_angle\n"


@pytest.mark.parametrize(
    ("response", "fragment"),
    [
        (r.PROSE_ONLY, "only prose"),
        ("yes", "only prose"),
        ("", "only prose"),
        ("```bash\npip install torch\n```\n", "other languages (bash)"),
        ("Here:\n```python\n\n```\n", "empty"),
    ],
    ids=["prose", "one-word", "empty-text", "shell-only", "empty-block"],
)
def test_responses_without_python_code_raise_no_code(response: str, fragment: str) -> None:
    with pytest.raises(NoCodeError) as caught:
        extract_code(response)
    assert caught.value.kind == "no_code"
    assert fragment in caught.value.message
    assert "```python" in caught.value.message


def test_inline_triple_backticks_are_not_a_fence() -> None:
    response = "Use ```compute_reward``` as the name.\n" + r.BARE
    # Not a fence, so the text is taken as bare code; the loader will report the prose line.
    assert extract_code(response).startswith("Use ```compute_reward```")
