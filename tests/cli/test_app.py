"""Bad input at the command line: one line on stderr, a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def rewardsmith(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rewardsmith", *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_unknown_task(tmp_path: Path) -> None:
    result = rewardsmith("design", "no_such_task", "--out", str(tmp_path))
    assert_one_line_error(result, "unknown task 'no_such_task'", "cartpole")
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("flag", "value", "fragment"),
    [
        ("--iterations", "0", "--iterations"),
        ("--iterations", "many", "--iterations"),
        ("--samples", "-3", "--samples"),
        ("--parallel", "0", "--parallel"),
        ("--steps", "0", "--steps"),
        ("--sandbox", "vm", "--sandbox"),
        ("--llm", "gpt-nothing", "--llm"),
    ],
)
def test_bad_flag_values(tmp_path: Path, flag: str, value: str, fragment: str) -> None:
    assert_one_line_error(rewardsmith("design", "cartpole", flag, value, "--out", str(tmp_path)), fragment)


def test_unwritable_out(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert_one_line_error(rewardsmith("design", "cartpole", "--out", str(blocker / "runs")), "--out")


def test_resume_and_show_of_a_dir_that_is_not_a_run(tmp_path: Path) -> None:
    assert_one_line_error(rewardsmith("resume", str(tmp_path)), "is not a rewardsmith run")
    assert_one_line_error(rewardsmith("show", str(tmp_path / "missing")), "is not a rewardsmith run")
    (tmp_path / "config.json").write_text("{not json")
    assert_one_line_error(rewardsmith("resume", str(tmp_path)), "not a valid run config")


def test_train_with_a_reward_file_that_does_not_exist(tmp_path: Path) -> None:
    result = rewardsmith("train", "cartpole", "--reward", str(tmp_path / "nope.py"), "--out", str(tmp_path))
    assert_one_line_error(result, "--reward")


def test_tasks_lists_every_builtin() -> None:
    result = rewardsmith("tasks")
    assert result.returncode == 0
    for name in ("cartpole", "pendulum", "mountain_car", "acrobot", "point_reach"):
        assert name in result.stdout
    for name in ("arithmetic", "sorting", "counting", "formatting", "summary"):
        assert name in result.stdout
