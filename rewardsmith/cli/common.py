"""What every ``rewardsmith`` command shares: the consoles, the one-line failure, paths printed whole."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console

console = Console()
errors = Console(stderr=True)


class UserError(Exception):
    """A problem with the user's input; printed as one line, exit status 2."""


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` as one error line and return the exit to raise."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def validation_message(error: ValidationError) -> str:
    """A pydantic error as one line naming the option it concerns."""
    first = error.errors()[0]
    field = str(first["loc"][0]).replace("_", "-") if first["loc"] else "value"
    return f"invalid value for --{field}: {first['msg'].removeprefix('Value error, ')}"


def print_path(label: str, path: Path) -> None:
    """A path on a line of its own, never wrapped, so it can be copied whole."""
    console.print(f"{label + ':':<13}{path}", soft_wrap=True, highlight=False)


def check_writable(out: Path) -> None:
    """Raise :class:`UserError` unless a run directory could be made under ``out``."""
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise UserError(f"--out '{out}' is not writable; pass a directory you can write to")
