"""Import a simulator's classes only when a task needs them, with a one-line error naming what to install.

Isaac Gym, Isaac Lab and ManiSkill run on GPU workers only; importing rewardsmith must not need them.
"""

from __future__ import annotations

import importlib


class SimulatorMissingError(ImportError):
    """The simulator a task needs is not installed here. The message is one line."""


def resolve(ref: str, install_hint: str) -> object:
    """The object ``module:attribute`` names, imported now.

    Args:
        ref: ``"package.module:ClassName"``.
        install_hint: What to install, quoted in the error when the import fails for a missing package.

    Raises:
        SimulatorMissingError: A module on the way could not be found.
        ValueError: ``ref`` has no ``:``, or the module has no such attribute.
    """
    module_name, separator, attribute = ref.partition(":")
    if not separator:
        raise ValueError(f"'{ref}' is not of the form package.module:ClassName")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise SimulatorMissingError(f"{ref} needs {error.name!r}, which is not installed: {install_hint}") from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ValueError(f"module {module_name} has no attribute '{attribute}'") from None


def resolve_class(ref: str, install_hint: str) -> type:
    """The class ``module:ClassName`` names, as :func:`resolve`; a ``TypeError`` when it is not a class."""
    found = resolve(ref, install_hint)
    if not isinstance(found, type):
        raise TypeError(f"{ref} is not a class")
    return found
