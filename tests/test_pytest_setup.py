"""The suite's own configuration: one failing test is reported as a failure and never ends the session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]

# The test breaks ast.parse as CPython 3.11.7's bug (python/cpython#106905) leaves it once triggered,
# then fails. pytest's long traceback style re-parses source to format the failure, and would stop the
# whole session with INTERNALERROR; the style the project configures must not need the parser.
PLANTED = """
import ast


def _broken_parse(*args, **kwargs):
    raise SystemError("AST constructor recursion depth mismatch (before=48, after=49)")


def test_planted_failure():
    ast.parse = _broken_parse
    assert 1 + 1 == 3


def test_a_later_test_still_runs():
    assert True
"""


def test_a_planted_failure_is_reported_as_a_failure(tmp_path: Path) -> None:
    (tmp_path / "test_planted.py").write_text(PLANTED)
    options = ["-c", str(PROJECT / "pyproject.toml"), "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *options, str(tmp_path / "test_planted.py")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert "INTERNALERROR" not in output, output[-2000:]
    assert result.returncode == 1, output[-2000:]
    assert "1 failed, 1 passed" in output
    assert "assert (1 + 1) == 3" in output
