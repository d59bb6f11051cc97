"""A machine with neither a Docker engine nor bwrap, made by hiding both from child processes.

The suite's sandbox-selection, sandbox and CLI tests pass there with every skip explained (and fail
under ``CI=true``, where every backend must run), and a design run on the strongest backend there is
says once that it runs unisolated and how to get a sandbox.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
NO_ENGINE = "unix:///nonexistent/rewardsmith-test-docker.sock"
#: The tests that choose a backend, need one, or run the command line.
SELECTION_AND_CLI_TESTS = (
    "tests/sandbox/test_factory.py",
    "tests/sandbox/test_docker.py",
    "tests/sandbox/test_bwrap.py",
    "tests/cli/test_app.py",
    "tests/loop/test_design_loop_llm.py::test_cli_refuses_bad_or_unavailable_models_before_a_run_dir",
)


def path_without(program: str, shadow_root: Path) -> str:
    """``PATH`` with ``program`` gone: each directory that holds it is replaced by a directory of links
    to everything else in it."""
    entries = []
    for index, directory in enumerate(os.environ.get("PATH", "").split(os.pathsep)):
        folder = Path(directory)
        if not (folder / program).exists():
            entries.append(directory)
            continue
        shadow = shadow_root / f"path-{index}"
        shadow.mkdir(parents=True)
        for item in folder.iterdir():
            if item.name != program:
                (shadow / item.name).symlink_to(item)
        entries.append(str(shadow))
    return os.pathsep.join(entries)


def bare_machine_env(tmp_path: Path, *, ci: bool = False) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "DOCKER_HOST")}
    env["DOCKER_HOST"] = NO_ENGINE
    env["PATH"] = path_without("bwrap", tmp_path / "shadow")
    if ci:
        env["CI"] = "true"
    return env


def run_pytest(env: dict[str, str], *targets: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *targets],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=PROJECT,
        env=env,
    )


def test_the_selection_and_cli_tests_pass_and_every_skip_says_why(tmp_path: Path) -> None:
    result = run_pytest(bare_machine_env(tmp_path), *SELECTION_AND_CLI_TESTS)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    counts = re.search(r"(\d+) passed, (\d+) skipped", output)
    assert counts is not None, output[-2000:]
    skips = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    assert skips and int(counts.group(2)) > 0
    for line in skips:
        reason = line.split(": ", 1)[1] if ": " in line else ""
        assert "Docker engine" in reason or "bwrap" in reason or "bubblewrap" in reason, line


def test_under_ci_the_same_missing_engines_are_failures(tmp_path: Path) -> None:
    result = run_pytest(
        bare_machine_env(tmp_path, ci=True),
        "tests/sandbox/test_docker.py::test_confinement_is_measured_inside_the_container",
        "tests/sandbox/test_bwrap.py",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert "CI=true and this test needs it: docker backend: no Docker engine answers" in output
    assert "bubblewrap is not installed" in output
    summary = output.strip().splitlines()[-1]
    assert "skipped" not in summary and ("failed" in summary or "error" in summary), summary


def test_a_design_on_the_best_backend_warns_once_and_says_what_it_found(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "rewardsmith", "design", "cartpole", "--sandbox", "best"]
    options = ["--iterations", "1", "--samples", "1", "--steps", "2048", "--final-seeds", "0", "--no-gate-pool"]
    result = subprocess.run(
        [*command, *options, "--out", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        timeout=300,
        env=bare_machine_env(tmp_path) | {"COLUMNS": "80"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "sandbox: none (no Docker engine, no bwrap: running unisolated)" in output
    assert output.count("runs unisolated") == 1, output
    assert "apt-get install bubblewrap" in output
    # Paths print whole, each on a line of its own, even in 80 columns.
    run_dir = next((tmp_path / "runs").iterdir())
    lines = output.splitlines()
    assert f"run:         {run_dir}" in lines, output
    assert f"report:      {run_dir / 'report.html'}" in lines, output
