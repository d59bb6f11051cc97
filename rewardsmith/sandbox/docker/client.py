"""The Docker engine: a client for it, and whether one answers here."""

from __future__ import annotations

import os
from typing import Any


class DockerUnavailableError(RuntimeError):
    """No Docker engine answers, or the image cannot be built; the message says what to do."""


def docker_client() -> Any:
    """A ``docker.DockerClient`` for the engine at ``DOCKER_HOST`` (or the default socket), checked with a ping.

    Raises:
        DockerUnavailableError: The SDK is missing or no engine answers.
    """
    try:
        import docker
        import docker.errors
    except ImportError:
        raise DockerUnavailableError("the docker SDK is not installed: pip install 'docker>=7.1'") from None
    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except (docker.errors.DockerException, OSError):
        raise DockerUnavailableError(docker_socket_hint()) from None
    return client


def docker_unavailable_reason() -> str | None:
    """None when a Docker engine answers here; otherwise one line saying why not."""
    try:
        docker_client().close()
    except DockerUnavailableError as error:
        return str(error)
    return None


def docker_socket_hint() -> str:
    """What to do when no engine answers: one line for error messages."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    return f"no Docker engine answers at {host}: start one (e.g. 'dockerd &' or 'systemctl start docker')"
