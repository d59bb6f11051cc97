"""The ``rewardsmith`` command line: ``app`` holds the commands, ``main`` runs them."""

from rewardsmith.cli.app import app, main

__all__ = ["app", "main"]
