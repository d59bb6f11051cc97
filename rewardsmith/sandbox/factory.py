"""Pick a sandbox backend from the table: by name, or the strongest one this host can run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from rewardsmith.sandbox.backends import BACKENDS
from rewardsmith.sandbox.base import Sandbox
from rewardsmith.sandbox.registry import SELECTORS, Backend, OpenOptions, SandboxUnavailableError


def sandbox_names() -> tuple[str, ...]:
    """Every name ``--sandbox`` takes: the selectors, then each backend's, in order of preference."""
    return (*SELECTORS, *BACKENDS.names())


def canonical_name(name: str) -> str:
    """The name ``name`` stands for: a selector, or the backend it names (``process`` is ``none``).

    Raises:
        ValueError: No backend has that name; the one-line message lists those that exist.
    """
    if name in SELECTORS:
        return name
    backend = BACKENDS.get(name)
    if backend is None:
        raise ValueError(f"unknown sandbox backend '{name}': available backends are {', '.join(sandbox_names())}")
    return backend.name


SandboxName = Annotated[str, AfterValidator(canonical_name)]
"""A ``--sandbox`` value: a selector or a registered backend's name, checked against the table when validated."""


def sandbox_help() -> str:
    """One sentence for help texts: every name ``--sandbox`` takes and what it runs candidate code in."""
    chain = ", else ".join(backend.name for backend in BACKENDS if backend.isolating)
    choices = [
        f"'auto' ({chain}, else refuse)",
        f"'best' ({chain}, else {_unisolated().name})",
        *(f"'{backend.name}' ({backend.description})" for backend in BACKENDS),
    ]
    return f"Where candidate code runs: {', '.join(choices[:-1])} or {choices[-1]}."


def how_to_isolate() -> str:
    """How to get an isolating backend, for every message that says there is none."""
    return " or ".join(backend.enable for backend in BACKENDS if backend.isolating and backend.enable)


UNISOLATED_WARNING = (
    "WARNING: reward code runs unisolated, as your user with only resource limits: it can read your files and "
    f"secrets and reach the network. Use it only for code you trust; to isolate it, {how_to_isolate()}."
)


class BackendChoice(BaseModel):
    """Which backend a name resolves to on this host, and why."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(description="The backend that will run jobs, by its name in the table.")
    reason: str = Field(description="Why this one: what was asked for and what the host offers.")
    isolating: bool = Field(default=True, description="Whether it isolates reward code from the host.")


def choose_backend(name: str) -> BackendChoice:
    """Resolve ``name`` to the backend this host will use, without starting it.

    A backend's name (or alias) asks for that backend. ``auto`` takes the first isolating backend in
    the table that can run here, and refuses when none can; ``best`` falls back to the unisolated
    process backend instead, for code the user trusts (the offline designer's templates).

    Raises:
        SandboxUnavailableError: The backend asked for (or, for ``auto``, every isolating one) cannot run here.
        ValueError: No backend has that name.
    """
    if name in SELECTORS:
        return _strongest(name)
    backend = BACKENDS.get(canonical_name(name))
    assert backend is not None
    reason = backend.unavailable()
    if reason is not None:
        raise SandboxUnavailableError(f"--sandbox {backend.name}: {reason}")
    return BackendChoice(name=backend.name, reason=backend.asked, isolating=backend.isolating)


def make_sandbox(name: str = "auto", *, pool_size: int = 2, say: Callable[[str], None] | None = None) -> Sandbox:
    """The sandbox backend ``name`` resolves to (see :func:`choose_backend`), ready to run jobs.

    Args:
        name: A name from :func:`sandbox_names`, e.g. ``auto``, ``docker`` or ``none``.
        pool_size: Warm verify containers the docker backend keeps.
        say: Called with a line of progress while the docker backend builds its image.

    Raises:
        SandboxUnavailableError: See :func:`choose_backend`; also when the image cannot be built.
        ValueError: No backend has that name.
    """
    return open_sandbox(choose_backend(name), pool_size=pool_size, say=say)


def open_sandbox(choice: BackendChoice, *, pool_size: int = 2, say: Callable[[str], None] | None = None) -> Sandbox:
    """Start the backend of ``choice`` (from :func:`choose_backend`); arguments as :func:`make_sandbox`.

    The caller warns when the backend does not isolate (once, with what it found): see rewardsmith.api.
    """
    backend = BACKENDS.get(canonical_name(choice.name))
    assert backend is not None
    options = OpenOptions(pool_size=pool_size, say=say) if say is not None else OpenOptions(pool_size=pool_size)
    return backend.open(options)


def close_sandbox(sandbox: Sandbox) -> None:
    """Release what a backend holds (warm containers); a no-op for backends that hold nothing."""
    sandbox.close()


def _strongest(selector: str) -> BackendChoice:
    """``auto`` or ``best``: walk the isolating backends in order of preference, and say what was passed over."""
    passed_over: list[tuple[Backend, str]] = []
    for backend in BACKENDS:
        if not backend.isolating:
            continue
        reason = backend.unavailable()
        if reason is None:
            if not passed_over:
                return BackendChoice(name=backend.name, reason=f"{selector}: {backend.present}")
            absent = ", ".join(skipped.absent for skipped, _ in passed_over)
            why = "; ".join(f"{skipped.label}: {why}" for skipped, why in passed_over)
            return BackendChoice(name=backend.name, reason=f"{selector}: {absent}, but {backend.present} ({why})")
        passed_over.append((backend, reason))
    fallback = _unisolated()
    if selector == "best":
        absent = ", ".join(skipped.absent for skipped, _ in passed_over) or "no isolating backend"
        return BackendChoice(name=fallback.name, reason=f"{absent}: running unisolated", isolating=fallback.isolating)
    found = "; ".join(f"{skipped.label}: {reason}" for skipped, reason in passed_over)
    raise SandboxUnavailableError(
        f"no sandbox can run here: {found}. To isolate reward code, {how_to_isolate()}; --sandbox best "
        f"(or {fallback.name}) runs it unisolated."
    )


def _unisolated() -> Backend:
    """The backend ``best`` falls back to: the first in the table that does not isolate."""
    return next(backend for backend in BACKENDS if not backend.isolating)
