"""Backend selection: by name, and 'auto' picking docker, then bwrap, then refusing with a way out."""

from __future__ import annotations

import pytest

from rewardsmith.sandbox import (
    UNISOLATED_WARNING,
    ProcessSandbox,
    Sandbox,
    SandboxUnavailableError,
    choose_backend,
    make_sandbox,
)
from rewardsmith.sandbox import bwrap as bwrap_module
from tests.sandbox.backends import unavailable

NO_ENGINE = "unix:///nonexistent/rewardsmith-test-docker.sock"


@pytest.mark.parametrize("name", ["none", "process"])
def test_none_gives_the_process_backend(name: str) -> None:
    # The warning is the caller's to give, once (rewardsmith.api; tests/sandbox/test_without_engines.py).
    choice = choose_backend(name)
    assert choice.name == "none" and "--sandbox none" in choice.reason
    sandbox = make_sandbox(name)
    assert isinstance(sandbox, ProcessSandbox) and isinstance(sandbox, Sandbox)
    assert "does not isolate the filesystem" in sandbox.isolation
    assert "apt-get install bubblewrap" in UNISOLATED_WARNING and "\n" not in UNISOLATED_WARNING


def test_an_unknown_backend_names_those_that_exist() -> None:
    with pytest.raises(ValueError, match="available backends are auto, best, docker, bwrap, none") as caught:
        choose_backend("firecracker")
    assert "\n" not in str(caught.value)


def test_auto_picks_docker_when_an_engine_answers() -> None:
    from rewardsmith.sandbox.docker import docker_unavailable_reason

    reason = docker_unavailable_reason()
    if reason is not None:
        unavailable(f"docker backend: {reason}")
    choice = choose_backend("auto")
    assert choice.name == "docker" and "engine answers" in choice.reason


def test_auto_falls_back_to_bwrap_without_docker(monkeypatch: pytest.MonkeyPatch) -> None:
    reason = bwrap_module.bwrap_available()
    if reason is not None:
        unavailable(f"bwrap backend: {reason}")
    monkeypatch.setenv("DOCKER_HOST", NO_ENGINE)
    choice = choose_backend("auto")
    assert choice.name == "bwrap"
    assert NO_ENGINE in choice.reason


def test_auto_refuses_when_nothing_isolates_and_says_how_to_fix_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", NO_ENGINE)
    # Stand in for a host without bwrap, whether or not this one has it.
    monkeypatch.setattr(bwrap_module, "bwrap_available", lambda: "bubblewrap is not installed (no bwrap on PATH)")
    with pytest.raises(SandboxUnavailableError) as caught:
        choose_backend("auto")
    message = str(caught.value)
    assert "\n" not in message
    assert "start a Docker engine" in message and "apt-get install bubblewrap" in message
    assert "--sandbox best" in message


def test_best_runs_unisolated_when_nothing_isolates_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", NO_ENGINE)
    monkeypatch.setattr(bwrap_module, "bwrap_available", lambda: "bubblewrap is not installed (no bwrap on PATH)")
    choice = choose_backend("best")
    assert choice.name == "none"
    assert choice.reason == "no Docker engine, no bwrap: running unisolated"


def test_best_takes_an_isolating_backend_where_there_is_one() -> None:
    from rewardsmith.sandbox.docker import docker_unavailable_reason

    if docker_unavailable_reason() is not None and bwrap_module.bwrap_available() is not None:
        unavailable("neither a Docker engine nor bwrap runs here")
    assert choose_backend("best") == choose_backend("auto").model_copy(
        update={"reason": choose_backend("auto").reason.replace("auto", "best", 1)}
    )


def test_docker_asked_for_without_an_engine_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", NO_ENGINE)
    with pytest.raises(SandboxUnavailableError, match="--sandbox docker: no Docker engine answers") as caught:
        choose_backend("docker")
    assert "\n" not in str(caught.value)
