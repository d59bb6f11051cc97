"""Pick a sandbox backend: by name, or the strongest one this host can run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.sandbox.base import Sandbox
from rewardsmith.sandbox.process import ProcessSandbox

SandboxName = Literal["auto", "best", "docker", "bwrap", "none"]
#: Names make_sandbox accepts. "auto" picks docker, then bwrap, and refuses when neither runs; "best"
#: falls back to "none" instead, for code the user trusts (the offline designer's templates); "none" is
#: the process backend, which isolates nothing but resources. "process" is another name for "none".
BACKENDS: tuple[str, ...] = ("auto", "best", "docker", "bwrap", "none")

#: How to get an isolating backend, for every message that says there is none.
HOW_TO_ISOLATE = "start a Docker engine ('dockerd &') or install bubblewrap ('apt-get install bubblewrap')"

UNISOLATED_WARNING = (
    "WARNING: reward code runs unisolated, as your user with only resource limits: it can read your files and "
    f"secrets and reach the network. Use it only for code you trust; to isolate it, {HOW_TO_ISOLATE}."
)


class SandboxUnavailableError(RuntimeError):
    """The backend asked for cannot run on this host; the one-line message says how to enable one."""


class BackendChoice(BaseModel):
    """Which backend a name resolves to on this host, and why."""

    model_config = ConfigDict(frozen=True)

    name: Literal["docker", "bwrap", "none"] = Field(description="The backend that will run jobs.")
    reason: str = Field(description="Why this one: what was asked for and what the host offers.")


def choose_backend(name: str) -> BackendChoice:
    """Resolve ``name`` to the backend this host will use, without starting it.

    Raises:
        SandboxUnavailableError: The backend asked for (or, for ``auto``, every isolating one) cannot run here.
        ValueError: No backend has that name.
    """
    from rewardsmith.sandbox.bwrap import bwrap_available
    from rewardsmith.sandbox.docker import docker_unavailable_reason

    if name in ("none", "process"):
        return BackendChoice(name="none", reason="asked for with --sandbox none: no isolation beyond resource limits")
    if name == "docker":
        reason = docker_unavailable_reason()
        if reason is not None:
            raise SandboxUnavailableError(f"--sandbox docker: {reason}")
        return BackendChoice(name="docker", reason="asked for with --sandbox docker, and the engine answers")
    if name == "bwrap":
        reason = bwrap_available()
        if reason is not None:
            raise SandboxUnavailableError(f"--sandbox bwrap: {reason}")
        return BackendChoice(name="bwrap", reason="asked for with --sandbox bwrap, and bwrap runs here")
    if name in ("auto", "best"):
        docker_reason = docker_unavailable_reason()
        if docker_reason is None:
            return BackendChoice(name="docker", reason=f"{name}: a Docker engine answers")
        bwrap_reason = bwrap_available()
        if bwrap_reason is None:
            return BackendChoice(
                name="bwrap", reason=f"{name}: no Docker engine ({docker_reason}), but bwrap runs here"
            )
        if name == "best":
            return BackendChoice(name="none", reason="no Docker engine, no bwrap: running unisolated")
        raise SandboxUnavailableError(
            f"no sandbox can run here: Docker: {docker_reason}; bwrap: {bwrap_reason}. To isolate reward code, "
            f"{HOW_TO_ISOLATE}; --sandbox best (or none) runs it unisolated."
        )
    raise ValueError(f"unknown sandbox backend '{name}': available backends are {', '.join(BACKENDS)}")


def make_sandbox(name: str = "auto", *, pool_size: int = 2, say: Callable[[str], None] | None = None) -> Sandbox:
    """The sandbox backend ``name`` resolves to (see :func:`choose_backend`), ready to run jobs.

    Args:
        name: ``auto``, ``best``, ``docker``, ``bwrap`` or ``none``.
        pool_size: Warm verify containers the docker backend keeps.
        say: Called with a line of progress while the docker backend builds its image.

    Raises:
        SandboxUnavailableError: See :func:`choose_backend`; also when the image cannot be built.
        ValueError: No backend has that name.
    """
    return open_sandbox(choose_backend(name), pool_size=pool_size, say=say)


def open_sandbox(choice: BackendChoice, *, pool_size: int = 2, say: Callable[[str], None] | None = None) -> Sandbox:
    """Start the backend of ``choice`` (from :func:`choose_backend`); arguments as :func:`make_sandbox`."""
    if choice.name == "none":
        # The caller warns (once, with what it found): see rewardsmith.api.
        return ProcessSandbox()
    if choice.name == "bwrap":
        from rewardsmith.sandbox.bwrap import BwrapSandbox

        return BwrapSandbox()
    from rewardsmith.sandbox.docker import DockerSandbox, DockerUnavailableError
    from rewardsmith.sandbox.image import ImageBuildError

    try:
        return DockerSandbox(pool_size=pool_size, say=say)
    except (DockerUnavailableError, ImageBuildError) as error:
        raise SandboxUnavailableError(str(error)) from None


def close_sandbox(sandbox: Sandbox) -> None:
    """Release what a backend holds (warm containers); a no-op for backends that hold nothing."""
    close = getattr(sandbox, "close", None)
    if callable(close):
        close()
