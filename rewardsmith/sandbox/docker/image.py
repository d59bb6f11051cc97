"""The sandbox's Docker image, built locally from this machine's Python and venv; no registry is needed.

Two images, so that editing rewardsmith rebuilds seconds of work, not minutes:

* ``rewardsmith-base:<hash>`` is a root filesystem made by ``docker import`` of a tarball streamed from
  this host: the Python prefix (at ``/opt/python``), the venv's site-packages (at ``/opt/venv``), the
  shared libraries their extension modules link against, and ``timeout``. Nothing else of the host: no
  shell, no home, no project files. The hash covers the interpreter, every installed distribution and
  version, and the libraries.
* ``rewardsmith-sandbox:<hash>`` adds the ``rewardsmith`` package source (at ``/opt/rewardsmith``) on
  top; its hash covers the base tag and every file of the package.

A tag is the hash of what the image holds, so a stale image is never used: a changed venv or package
gives another tag, which :func:`ensure_image` builds. ``deploy/Dockerfile`` in the repository builds
an equivalent image from a public Python or CUDA base for machines that can pull.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import io
import re
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

import rewardsmith

BASE_REPOSITORY = "rewardsmith-base"
SANDBOX_REPOSITORY = "rewardsmith-sandbox"
#: Every image made here carries this label, so that ``sandbox build --prune`` finds old ones.
LABEL = "io.rewardsmith.sandbox"
# Bump when the layout below changes: old images then hash differently and are rebuilt.
_RECIPE_VERSION = "1"

PYTHON_HOME = "/opt/python"
VENV_HOME = "/opt/venv"
PACKAGE_HOME = "/opt/rewardsmith"
#: The interpreter inside the image; started through the venv so that its site-packages load.
PYTHON = f"{VENV_HOME}/bin/python"

_PACKAGE_DIR = Path(rewardsmith.__file__).resolve().parent
# Parts of the standard library no job imports; leaving them out saves time and space.
_STDLIB_SKIPPED = {"site-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3"}
# An editable install points at the host's source tree; in the image the package lives at PACKAGE_HOME.
_EDITABLE = re.compile(r"^__editable__.*")
_LDD_PATH = re.compile(r"=>\s+(/\S+)|^\s*(/\S+)\s+\(")
# Loaded with dlopen, so ldd never names them: thread cancellation, users and groups, C++ runtime.
_DLOPENED = ("libgcc_s.so.1", "libnss_files.so.2", "libstdc++.so.6")
_BASE_CHANGES = (
    f"LABEL {LABEL}=base",
    "USER 65534:65534",
    "WORKDIR /tmp",
    # No ld.so.cache in the image, and the interpreter's rpath names the host's prefix: name them here.
    f"ENV PATH={VENV_HOME}/bin:/usr/bin HOME=/tmp LANG=C.UTF-8 "
    f"LD_LIBRARY_PATH={PYTHON_HOME}/lib:/usr/lib/x86_64-linux-gnu",
)
_PASSWD = "root:x:0:0::/nonexistent:/nonexistent\nnobody:x:65534:65534:nobody:/tmp:/nonexistent\n"
_GROUP = "root:x:0:\nnogroup:x:65534:\n"


class ImageSpec(BaseModel):
    """The two image tags that hold this host's Python, venv and rewardsmith, as they are now."""

    model_config = ConfigDict(frozen=True)

    base: str = Field(description="Tag of the runtime image: interpreter, packages, libraries.")
    sandbox: str = Field(description="Tag of the image jobs run in: the base plus the rewardsmith source.")


class ImageBuildError(RuntimeError):
    """The image could not be built; the message says why and what to do."""


def image_spec() -> ImageSpec:
    """The tags for this host's current environment; cheap (no Docker call)."""
    base = f"{BASE_REPOSITORY}:{_base_hash()[:16]}"
    digest = hashlib.sha256(base.encode())
    for path in sorted(_package_files()):
        digest.update(str(path.relative_to(_PACKAGE_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return ImageSpec(base=base, sandbox=f"{SANDBOX_REPOSITORY}:{digest.hexdigest()[:16]}")


def ensure_image(client: object, *, rebuild: bool = False, say: Callable[[str], None] = lambda _: None) -> str:
    """The sandbox image's tag, building whichever of the two images is missing.

    Args:
        client: A ``docker.DockerClient``.
        rebuild: Build both images even when they exist.
        say: Called with one line per step, for progress output.

    Returns:
        The tag of the image jobs run in.

    Raises:
        ImageBuildError: Docker refused a step.
    """
    import docker.errors

    spec = image_spec()
    try:
        if rebuild or not _exists(client, spec.base):
            say(f"building {spec.base} from this host's Python and venv (a minute or two, once)")
            _import_base(client, spec.base)
        if rebuild or not _exists(client, spec.sandbox):
            say(f"building {spec.sandbox} (the rewardsmith package on {spec.base})")
            _build_sandbox(client, spec)
    except docker.errors.DockerException as error:
        raise ImageBuildError(f"building the sandbox image failed: {error}") from None
    return spec.sandbox


def prune_images(client: object, keep: ImageSpec) -> list[str]:
    """Remove rewardsmith images other than ``keep``'s; returns the tags removed."""
    import docker.errors

    removed = []
    for image in client.images.list(filters={"label": LABEL}):
        for tag in image.tags:
            if tag not in (keep.base, keep.sandbox):
                try:
                    client.images.remove(tag)
                    removed.append(tag)
                except docker.errors.APIError:
                    continue  # still used by a container; the next prune gets it
    return removed


def _exists(client: object, tag: str) -> bool:
    import docker.errors

    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def _base_hash() -> str:
    recipe = "\n".join((_RECIPE_VERSION, sys.version, sys.base_prefix, *_BASE_CHANGES))
    digest = hashlib.sha256(recipe.encode())
    distributions = sorted(
        f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions(path=_site_paths())
    )
    digest.update("\n".join(distributions).encode())
    for library in sorted(_shared_libraries()):
        stat = library.stat()
        digest.update(f"\n{library} {stat.st_size} {int(stat.st_mtime)}".encode())
    return digest.hexdigest()


def _site_paths() -> list[str]:
    return [sysconfig.get_paths()["purelib"]]


def _package_files() -> Iterator[Path]:
    for path in _PACKAGE_DIR.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path


@functools.cache
def _shared_libraries() -> frozenset[Path]:
    """The system libraries the interpreter and every installed extension module link against.

    Cached: the tag's hash and the image's contents both need them, and each asks ldd about every
    extension module.
    """
    objects = [Path(sys.executable).resolve()]
    objects += Path(sys.base_prefix, "lib").glob("libpython*.so*")
    dynload = Path(sysconfig.get_paths()["stdlib"], "lib-dynload").glob("*.so")
    objects += [path for path in dynload if not path.name.startswith("_tkinter")]  # X11 and Tk: no job draws
    site = Path(sysconfig.get_paths()["purelib"])
    objects += [path for path in site.rglob("*.so*") if path.is_file()]
    found: set[Path] = set()
    # One ldd call for many files: a call per file would take most of a minute.
    for start in range(0, len(objects), 64):
        batch = [str(path) for path in objects[start : start + 64]]
        output = subprocess.run(["ldd", *batch], capture_output=True, text=True, check=False).stdout
        for line in output.splitlines():
            match = _LDD_PATH.search(line)
            path = Path(match.group(1) or match.group(2)) if match else None
            if path is not None and path.is_file() and not _inside(path, sys.base_prefix, sys.prefix):
                found.add(path)
    for name in _DLOPENED:
        for directory in (Path("/lib/x86_64-linux-gnu"), Path("/usr/lib/x86_64-linux-gnu"), Path("/lib64")):
            if (directory / name).exists():
                found.add(directory / name)
                break
    return frozenset(found)


def _inside(path: Path, *roots: str) -> bool:
    return any(path.resolve().is_relative_to(Path(root).resolve()) for root in roots)


def _import_base(client: object, tag: str) -> None:
    with tempfile.TemporaryDirectory(prefix="rewardsmith-image-") as scratch:
        tarball = Path(scratch) / "rootfs.tar"
        with tarfile.open(tarball, "w") as tar:
            _add_rootfs(tar)
        repository, version = tag.split(":")
        client.api.import_image_from_file(
            str(tarball),
            repository=repository,
            tag=version,
            changes=list(_BASE_CHANGES),
        )


def _build_sandbox(client: object, spec: ImageSpec) -> None:
    dockerfile = (
        f"FROM {spec.base}\n"
        f"LABEL {LABEL}=sandbox\n"
        f"COPY rewardsmith {PACKAGE_HOME}/rewardsmith\n"
        f"ENV PYTHONPATH={PACKAGE_HOME} PYTHONSAFEPATH=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1\n"
    )
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        _add_bytes(tar, "Dockerfile", dockerfile.encode())
        for path in _package_files():
            tar.add(path, arcname=f"rewardsmith/{path.relative_to(_PACKAGE_DIR)}", filter=_readable)
    context.seek(0)
    repository, version = spec.sandbox.split(":")
    client.images.build(fileobj=context, custom_context=True, tag=f"{repository}:{version}", pull=False, rm=True)


def _add_rootfs(tar: tarfile.TarFile) -> None:
    for directory in ("tmp", "job", "out", "proc", "dev", "sys", "etc", "usr/bin", "usr/lib", "lib64"):
        _add_directory(tar, directory, mode=0o1777 if directory == "tmp" else 0o755)
    # A merged /usr, as on Debian: libraries ldd finds under /lib and /usr/lib land in one place.
    for link, target in (("lib", "usr/lib"), ("bin", "usr/bin")):
        _add_symlink(tar, link, target)
    _add_bytes(tar, "etc/passwd", _PASSWD.encode())
    _add_bytes(tar, "etc/group", _GROUP.encode())
    timeout = Path("/usr/bin/timeout")
    tar.add(timeout, arcname="usr/bin/timeout", filter=_readable)
    added: set[str] = set()
    for library in sorted(_shared_libraries()):
        arcname = str(library).lstrip("/")
        if arcname.startswith("lib/"):
            arcname = f"usr/{arcname}"
        if arcname not in added:
            added.add(arcname)
            tar.add(library.resolve(), arcname=arcname, filter=_readable)
    base = Path(sys.base_prefix)
    python = Path(sys.executable).resolve()
    tar.add(python, arcname=f"{PYTHON_HOME.lstrip('/')}/bin/{python.name}", filter=_readable)
    for library in base.joinpath("lib").glob("libpython*.so*"):
        tar.add(library, arcname=f"{PYTHON_HOME.lstrip('/')}/lib/{library.name}", filter=_readable)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for entry in sorted(stdlib.iterdir()):
        if entry.name not in _STDLIB_SKIPPED:
            arcname = f"{PYTHON_HOME.lstrip('/')}/lib/{stdlib.name}/{entry.name}"
            tar.add(entry, arcname=arcname, filter=_readable)
    _add_venv(tar, python.name, stdlib.name)


def _add_venv(tar: tarfile.TarFile, python_name: str, stdlib_name: str) -> None:
    venv = VENV_HOME.lstrip("/")
    config = f"home = {PYTHON_HOME}/bin\ninclude-system-site-packages = false\nversion = {sys.version.split()[0]}\n"
    _add_bytes(tar, f"{venv}/pyvenv.cfg", config.encode())
    _add_directory(tar, f"{venv}/bin")
    for name in ("python", "python3", python_name):
        _add_symlink(tar, f"{venv}/bin/{name}", f"{PYTHON_HOME}/bin/{python_name}")
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in sorted(site.iterdir()):
        if _EDITABLE.match(entry.name) or entry.name.startswith("rewardsmith"):
            continue
        tar.add(entry, arcname=f"{venv}/lib/{stdlib_name}/site-packages/{entry.name}", filter=_readable)


def _readable(info: tarfile.TarInfo) -> tarfile.TarInfo:
    # Owned by root and read-only to everyone else: the job's uid 65534 reads and runs, never writes.
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    if info.isdir() or info.mode & 0o100:
        info.mode = 0o755
    elif not info.issym():
        info.mode = 0o644
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def _add_symlink(tar: tarfile.TarFile, name: str, target: str) -> None:
    link = tarfile.TarInfo(name)
    link.type = tarfile.SYMTYPE
    link.linkname = target
    tar.addfile(link)


def _add_directory(tar: tarfile.TarFile, name: str, mode: int = 0o755) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = mode
    tar.addfile(info)
