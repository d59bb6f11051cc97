"""What every ``rewardsmith`` command shares: the consoles and the one-line failure."""

from __future__ import annotations

import typer
from rich.console import Console

console = Console()
errors = Console(stderr=True)


class UserError(Exception):
    """A problem with the user's input; printed as one line, exit status 2."""


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` as one error line and return the exit to raise."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)
