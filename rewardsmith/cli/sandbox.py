"""``rewardsmith sandbox build|check``: make the sandbox image, and show what a job is confined by."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rewardsmith.cli.common import console, fail
from rewardsmith.sandbox import (
    SandboxJob,
    SandboxLimits,
    SandboxUnavailableError,
    choose_backend,
    close_sandbox,
    open_sandbox,
    prepare_job,
    sandbox_names,
)
from rewardsmith.sandbox.outputs import ProbeOutput
from rewardsmith.sandbox.probe import Confinement, ProbeJob

sandbox_app = typer.Typer(help="Build the sandbox image; check what confines reward code here.", no_args_is_help=True)

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_UNLIMITED = "unlimited"


@sandbox_app.command("build")
def build_command(
    rebuild: Annotated[bool, typer.Option(help="Build again even if an image for this environment exists.")] = False,
    prune: Annotated[bool, typer.Option(help="Remove older rewardsmith images afterwards.")] = False,
) -> None:
    """Build the Docker image jobs run in, from this machine's Python and venv (no registry needed)."""
    from rewardsmith.sandbox.docker import (
        DockerUnavailableError,
        ImageBuildError,
        docker_client,
        ensure_image,
        image_spec,
        prune_images,
    )

    try:
        client = docker_client()
        tag = ensure_image(client, rebuild=rebuild, say=console.print)
    except (DockerUnavailableError, ImageBuildError) as error:
        raise fail(str(error)) from None
    console.print(f"sandbox image: [bold]{tag}[/]")
    if prune:
        for removed in prune_images(client, image_spec()):
            console.print(f"removed {removed}")


@sandbox_app.command("which")
def which_command() -> None:
    """Print the backend --sandbox auto would use here (docker or bwrap); exit status 1 when there is none."""
    try:
        choice = choose_backend("auto")
    except SandboxUnavailableError as error:
        raise fail(str(error), code=1) from None
    print(choice.name)


@sandbox_app.command("check")
def check_command(
    sandbox: Annotated[str, typer.Option(help=f"Backend to check: {', '.join(sandbox_names())}.")] = "auto",
) -> None:
    """Say which backend will run reward code and why, and show the limits measured inside a job."""
    try:
        choice = choose_backend(sandbox)
        backend = open_sandbox(choice, pool_size=1, say=console.print)
    except (SandboxUnavailableError, ValueError) as error:
        raise fail(str(error)) from None
    console.print(f"backend: [bold]{backend.name}[/] ({choice.reason})")
    console.print(f"isolation: {backend.isolation}")
    # A file in this user's home, made for the check: if a job can read it, it can read the home.
    secret = Path.home() / f".rewardsmith-check-{os.getpid()}"
    secret.write_text("a host secret\n")
    probed = (str(secret), *_probed_host_paths())
    try:
        with tempfile.TemporaryDirectory(prefix="rewardsmith-check-") as scratch:
            job = SandboxJob(id="check", job=ProbeJob(host_paths=probed), limits=SandboxLimits(wall_time_s=120))
            job_dir = prepare_job(job, "# the probe loads no reward\n", Path(scratch) / "job")
            result = backend.run(job, job_dir, Path(scratch) / "out")
    finally:
        secret.unlink(missing_ok=True)
        close_sandbox(backend)
    measured = result.output_of(ProbeOutput)
    if not result.ok or measured is None:
        reason = result.failure.message if result.failure else "no measurement came back"
        raise fail(f"the probe job failed under {backend.name}: {reason}", code=1)
    console.print(_table(measured.confinement, probed))


def _probed_host_paths() -> tuple[str, ...]:
    candidates = [_PROJECT_ROOT / "README.md", _PROJECT_ROOT / "pyproject.toml", Path("/etc/shadow")]
    return tuple(str(path) for path in candidates if path.exists())


def _table(probe: Confinement, probed: tuple[str, ...]) -> Table:
    table = Table("measured inside a job", "value", title="enforced limits")
    capabilities = "none" if probe.capabilities.strip("0") == "" else probe.capabilities
    seccomp = {"0": "off", "1": "strict", "2": "filter"}.get(probe.seccomp, probe.seccomp)
    rlimits = probe.rlimits
    rows = [
        ("user", f"uid {probe.uid}, gid {probe.gid}"),
        ("capabilities", capabilities),
        ("no-new-privileges", "yes" if probe.no_new_privileges else "no"),
        ("seccomp", seccomp),
        ("network", f"interfaces: {', '.join(probe.network_interfaces) or 'none'}; routes: {probe.routes}"),
        ("root filesystem", "writable" if probe.root_writable else "read-only"),
        ("/tmp size", f"{probe.tmp_size_mb:g} MiB" if probe.tmp_size_mb is not None else "?"),
        ("memory (cgroup)", _mb(probe.memory_limit_mb)),
        ("memory + swap (cgroup)", _mb(probe.memory_swap_limit_mb)),
        ("processes (cgroup pids)", probe.pids_limit),
        ("CPU (cgroup quota)", f"{probe.cpu_limit_cores} cores" if probe.cpu_limit_cores != _UNLIMITED else _UNLIMITED),
        ("address space (rlimit)", _mb(rlimits["address_space_mb"])),
        ("CPU time (rlimit)", f"{rlimits['cpu_s']} s" if rlimits["cpu_s"] != _UNLIMITED else _UNLIMITED),
        ("file size (rlimit)", _mb(rlimits["file_size_mb"])),
        ("open files (rlimit)", rlimits["open_files"]),
        ("core dumps (rlimit)", _mb(rlimits["core_mb"])),
        ("processes visible", str(probe.visible_processes)),
        ("environment", ", ".join(probe.environment)),
        ("host paths readable", ", ".join(probe.readable_host_paths) or f"none of {', '.join(probed)}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _mb(value: str) -> str:
    return value if value == _UNLIMITED else f"{value} MiB"
