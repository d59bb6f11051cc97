"""The lock: what `make install` put in this environment is exactly what requirements.lock pins, and
pyproject.toml's ranges admit every pin and are each capped."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PROJECT = Path(__file__).resolve().parents[1]
LOCK = PROJECT / "requirements.lock"
#: Installed beside the lock, not from it (the Makefile says why).
OUTSIDE_THE_LOCK = {"torch"}


def locked() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: '{line}' is not an exact pin"
            pins[canonicalize_name(name)] = Version(version)
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {})
    return [Requirement(text) for text in [*project["dependencies"], *extras.get("dev", [])]]


def test_every_pin_is_what_this_environment_has() -> None:
    wrong = []
    for name, version in locked().items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} {version} is not installed")
            continue
        if installed != version:
            wrong.append(f"{name}: locked {version}, installed {installed}")
    if wrong:
        pytest.fail("this environment is not the lock's (run `make install`): " + "; ".join(wrong))


def test_the_lock_pins_every_dependency_of_every_locked_package() -> None:
    pins = locked()
    missing = set()
    for requirement in declared():
        if canonicalize_name(requirement.name) not in pins | dict.fromkeys(OUTSIDE_THE_LOCK):
            missing.add(requirement.name)
    for name in pins:
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            if canonicalize_name(requirement.name) not in pins | dict.fromkeys(OUTSIDE_THE_LOCK):
                missing.add(f"{requirement.name} (needed by {name})")
    assert not missing, f"not in requirements.lock (run `make lock`): {sorted(missing)}"


def test_pyproject_ranges_admit_the_lock_and_are_capped() -> None:
    pins = locked()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        caps = [spec for spec in requirement.specifier if spec.operator in ("<", "<=", "==", "~=")]
        assert caps, f"pyproject.toml: '{requirement}' has no upper bound; cap it at the newest version tested"
        if name in OUTSIDE_THE_LOCK:
            continue
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name} {pins[name]}, outside pyproject.toml's '{requirement}': run `make lock`"
        )
