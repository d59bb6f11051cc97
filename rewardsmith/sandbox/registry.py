"""The table of sandbox backends: for each name, whether it can run here, how to open it, what it is.

A backend is a module of its own that defines ``BACKEND``, a :class:`Backend`, and one line in
:data:`rewardsmith.sandbox.backends.BACKENDS` that names the module. The table's order is the order
of preference: ``--sandbox auto`` and ``best`` take the first isolating backend that can run here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rewardsmith.sandbox.base import Sandbox

#: Names that pick a backend rather than name one: see :func:`rewardsmith.sandbox.factory.choose_backend`.
SELECTORS: tuple[str, ...] = ("auto", "best")


class SandboxUnavailableError(RuntimeError):
    """The backend asked for cannot run on this host; the one-line message says how to enable one."""


@dataclass(frozen=True)
class OpenOptions:
    """What opening a backend may use."""

    pool_size: int = 2
    """Warm containers a container backend keeps."""
    say: Callable[[str], None] = field(default=lambda _: None)
    """Called with a line of progress while the backend prepares (the docker backend builds its image)."""


def _runs_anywhere() -> str | None:
    return None


@dataclass(frozen=True)
class Backend:
    """One entry of the table: a backend's name, what it is, whether it can run here, how to open it.

    The texts make the messages that choose a backend; each defaults to one made from the name.
    """

    name: str
    """What ``--sandbox`` calls it."""
    description: str
    """A few words for help texts: what a job runs in."""
    open: Callable[[OpenOptions], Sandbox]
    """Start the backend; raises :class:`SandboxUnavailableError` when it cannot."""
    unavailable: Callable[[], str | None] = _runs_anywhere
    """None when it can run here; otherwise one line saying why not, and how to enable it."""
    isolating: bool = False
    """Whether it isolates reward code from the host: ``auto`` takes only backends that do, and ``best``
    one that does not only when none that does can run."""
    aliases: tuple[str, ...] = ()
    """Other names it answers to."""
    label: str = ""
    """How a message names it among others ("Docker: ..."); the name by default."""
    present: str = ""
    """Why it is chosen, when it can run ("a Docker engine answers"); "NAME runs here" by default."""
    absent: str = ""
    """What a message says when it cannot ("no Docker engine"); "no LABEL" by default."""
    asked: str = ""
    """The reason when it was asked for by name and can run; "asked for with --sandbox NAME, and PRESENT"."""
    enable: str = ""
    """How to make it available, for the message that says nothing isolates here; empty: not said."""

    def __post_init__(self) -> None:
        # Frozen, so the defaults made from other fields are set the way dataclasses set fields.
        label = self.label or self.name
        present = self.present or f"{self.name} runs here"
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "present", present)
        object.__setattr__(self, "absent", self.absent or f"no {label}")
        object.__setattr__(self, "asked", self.asked or f"asked for with --sandbox {self.name}, and {present}")


class BackendTable:
    """Backends by name, in order of preference; built-in ones are named by module and loaded on first use.

    Args:
        modules: Modules that each define ``BACKEND``, in order of preference.
    """

    def __init__(self, *modules: str) -> None:
        self._modules = modules
        self._backends: dict[str, Backend] | None = None

    def register(self, backend: Backend) -> Backend:
        """Add ``backend`` after the others; returns it.

        Raises:
            ValueError: Its name or an alias is taken, or is a selector (``auto``, ``best``).
        """
        backends = self._loaded()
        taken = {*SELECTORS, *(name for entry in backends.values() for name in (entry.name, *entry.aliases))}
        clashes = sorted(taken & {backend.name, *backend.aliases})
        if clashes:
            raise ValueError(f"sandbox backend name already taken: {', '.join(clashes)}")
        backends[backend.name] = backend
        return backend

    def unregister(self, name: str) -> None:
        """Remove the backend called ``name``; nothing if there is none."""
        self._loaded().pop(name, None)

    def get(self, name: str) -> Backend | None:
        """The backend that answers to ``name`` (its name or an alias), or None."""
        return next((entry for entry in self if name in (entry.name, *entry.aliases)), None)

    def names(self) -> tuple[str, ...]:
        """Every backend's name, in order of preference (aliases left out)."""
        return tuple(entry.name for entry in self)

    def __iter__(self) -> Iterator[Backend]:
        return iter(list(self._loaded().values()))

    def _loaded(self) -> dict[str, Backend]:
        if self._backends is None:
            backends: dict[str, Backend] = {}
            for module in self._modules:
                backend = importlib.import_module(module).BACKEND
                if not isinstance(backend, Backend):
                    raise TypeError(f"{module}.BACKEND is not a sandbox Backend")
                backends[backend.name] = backend
            self._backends = backends
        return self._backends
