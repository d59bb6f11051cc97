"""A new backend is its own module plus one registration line: a toy one, registered for these tests only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rewardsmith.config import DesignConfig
from rewardsmith.sandbox import (
    BACKENDS,
    Backend,
    BackendChoice,
    SandboxJob,
    SandboxLimits,
    VerifyJob,
    VerifyOutput,
    choose_backend,
    make_sandbox,
    prepare_job,
    sandbox_help,
    sandbox_names,
)
from tests.sandbox import candidates as c
from tests.sandbox.toy_backend import TOY, ToySandbox


@pytest.fixture
def toy() -> Iterator[Backend]:
    BACKENDS.register(TOY)
    try:
        yield TOY
    finally:
        BACKENDS.unregister(TOY.name)


def test_a_registered_backend_is_chosen_by_name(toy: Backend) -> None:
    assert sandbox_names() == ("auto", "best", "docker", "bwrap", "none", "toy")
    assert "'toy' (a test's stand-in for a new backend, running unisolated)" in sandbox_help()
    expected = BackendChoice(name="toy", reason="asked for with --sandbox toy, and toy runs here", isolating=False)
    assert choose_backend("toy") == expected
    assert isinstance(make_sandbox("toy"), ToySandbox)


def test_a_design_config_accepts_a_registered_backend(toy: Backend) -> None:
    assert DesignConfig(task="cartpole", sandbox="toy").sandbox == "toy"


def test_a_registered_backend_runs_a_real_verify_job(toy: Backend, tmp_path: Path) -> None:
    sandbox = make_sandbox("toy")
    job = SandboxJob(id="toy-verify", job=VerifyJob(task="cartpole"), limits=SandboxLimits(wall_time_s=120))
    result = sandbox.run(job, prepare_job(job, c.GOOD, tmp_path / "job"), tmp_path / "out")
    assert result.ok, (result.failure, result.log_tail)
    assert result.backend == "toy"
    verified = result.output_of(VerifyOutput)
    assert verified is not None and set(verified.verify.components) == {"alive", "upright", "centred"}


def test_auto_and_best_never_pick_a_backend_that_does_not_isolate(toy: Backend) -> None:
    # The toy isolates nothing, so it is no candidate for auto; best falls back to the table's first
    # unisolated backend, which is none, not the toy registered after it.
    assert not toy.isolating
    assert choose_backend("best").name != "toy"


def test_a_name_cannot_be_registered_twice(toy: Backend) -> None:
    with pytest.raises(ValueError, match="already taken: toy"):
        BACKENDS.register(TOY)
    with pytest.raises(ValueError, match="already taken: process"):
        BACKENDS.register(Backend(name="other", aliases=("process",), description="", open=TOY.open))
    with pytest.raises(ValueError, match="already taken: auto"):
        BACKENDS.register(Backend(name="auto", description="", open=TOY.open))


def test_the_table_is_as_it_was_without_the_toy() -> None:
    assert sandbox_names() == ("auto", "best", "docker", "bwrap", "none")
    with pytest.raises(ValueError, match="unknown sandbox backend 'toy'"):
        DesignConfig(task="cartpole", sandbox="toy")
    with pytest.raises(ValueError, match="available backends are auto, best, docker, bwrap, none"):
        choose_backend("toy")
