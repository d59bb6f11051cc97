"""Which family a task reference belongs to, and the one-line error when none claims it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.loop.families import FAMILY_OPENERS, open_family
from rewardsmith.loop.families.control import ControlFamily
from rewardsmith.loop.families.text import TextFamily
from rewardsmith.tasks import TaskLoadError

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "inverted_double_pendulum.py"


def test_each_family_claims_its_own_tasks() -> None:
    assert isinstance(open_family("cartpole"), ControlFamily)
    assert isinstance(open_family(f"{EXAMPLE}:InvertedDoublePendulum"), ControlFamily)
    text = open_family("arithmetic")
    assert isinstance(text, TextFamily)
    assert (text.facts.family, text.facts.name, text.facts.has_reference) == ("text", "arithmetic", True)
    # Every family says no to the others' tasks rather than failing on them.
    assert TextFamily.open("cartpole") is None and ControlFamily.open("arithmetic") is None
    assert set(FAMILY_OPENERS) == {"control", "text"}


def test_an_unknown_task_names_both_families_choices() -> None:
    with pytest.raises(TaskLoadError) as error:
        open_family("arithmetik")
    message = str(error.value)
    assert "\n" not in message and "cartpole" in message and "arithmetic" in message and "file.py:ClassName" in message


def test_a_broken_task_file_is_the_control_familys_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(TaskLoadError, match=r"broken\.py"):
        open_family(f"{broken}:Task")
