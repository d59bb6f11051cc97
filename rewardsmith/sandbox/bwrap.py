"""The ``bwrap`` backend: the process backend's runner inside a bubblewrap sandbox.

Everything of :class:`~rewardsmith.sandbox.process.ProcessSandbox` still applies (the runner's
rlimits, the scrubbed environment, the host's wall-clock kill of the job's process group, the search
for strays by token); bubblewrap adds new user, PID, network, IPC, UTS and cgroup namespaces, and a
filesystem of its own:

- read-only: ``/usr`` (and ``/bin``, ``/lib``, ``/lib64`` as on the host: links into it or binds),
  the Python installation and the virtual environment, the ``rewardsmith`` package directory alone (not
  the project around it), the job directory at ``/job``, and a user task file's directory under
  ``/rewardsmith-task`` (:mod:`rewardsmith.sandbox.task_files`);
- read-write: the output directory at ``/out`` and a private, size-capped tmpfs at ``/tmp`` (HOME and
  TMPDIR are in it);
- a new ``/proc`` of the job's PID namespace and a minimal ``/dev``; no ``/etc``, ``/sys``, ``/home``,
  ``/root`` or network but an isolated loopback.

The job runs as uid and gid 65534 with no capabilities, and cannot make user namespaces of its own.
Inside its user namespace that uid stands for the host user who ran bwrap, so what the job writes to
``/out`` belongs to that user, who can remove it.

Two small shells frame bwrap: one on the host, so that bwrap outlives the host's SIGTERM until the
runner has reported, and one inside as the PID namespace's first process, waiting for the runner; the
comments at ``_IGNORING_SIGTERM`` and ``_WAITING_SHELL`` say why. Starting the sandbox costs about 6 ms.

Processes and memory: RLIMIT_NPROC cannot hold a job whose uid maps to the host's root (as it does
when root runs bwrap), and RLIMIT_AS binds each process alone. So where the host lets it (root, a
writable cgroup filesystem, v1 or v2) each job gets a cgroup of its own, with the docker backend's
pids limit and a memory limit of the job's memory plus its /tmp; the host-side shell enters it before
it execs bwrap, so every process of the job is in it from the start. Without one (a non-root host),
a fork bomb runs until the wall-clock limit, and all its processes die with the job's PID namespace;
``rewardsmith sandbox check`` shows which applies.
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import rewardsmith
from rewardsmith.sandbox import failures
from rewardsmith.sandbox.base import ProgressFn
from rewardsmith.sandbox.cgroups import JobCgroup, make_job_cgroup
from rewardsmith.sandbox.outcome import Execution, failed
from rewardsmith.sandbox.process import _RUNNER, ProcessSandbox, _environment
from rewardsmith.sandbox.registry import Backend, OpenOptions
from rewardsmith.sandbox.schema import SandboxJob, SandboxLimits
from rewardsmith.sandbox.task_files import mounted_dir, task_file

#: The job's uid and gid inside the sandbox: "nobody".
SANDBOX_ID = 65534
#: Where the job, output, home and temporary directories appear inside the sandbox.
JOB_MOUNT = "/job"
OUT_MOUNT = "/out"
TMP_MOUNT = "/tmp"
HOME_DIR = "/tmp/home"
TMP_DIR = "/tmp/tmp"

_HINT = "install bubblewrap (apt-get install bubblewrap) or enable unprivileged user namespaces"
_SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
_SYSTEM_DIRS = ("/usr", "/bin", "/lib", "/lib64")
_PACKAGE_DIR = Path(rewardsmith.__file__).resolve().parent
_PROBE_TIMEOUT_S = 10.0
# The shell inside, and so bwrap, exits with 128 + N when the runner was killed by signal N.
_SIGNALLED_EXIT = 128
_SIGNALS = frozenset(int(number) for number in signal.valid_signals())

# The host stops a job with SIGTERM to its process group, which holds bwrap and, inside, the runner.
# bwrap neither handles nor forwards SIGTERM: it would die at once, and its --die-with-parent would
# SIGKILL the runner before it could report the reward line it was stopped at; the host, seeing bwrap
# gone, would then kill the group anyway. So bwrap starts with SIGTERM ignored (an ignored signal stays
# ignored across exec), and survives until the runner, which installs its own SIGTERM handler, has
# reported and exited. The shell execs bwrap, so no shell stays in between.
_IGNORING_SIGTERM = 'trap "" TERM; exec "$@"'
#: The most processes (threads included) a job may have, as in the docker backend.
PIDS_LIMIT = 256
# The host-side shell's exit status when it cannot enter the job's cgroup.
_CGROUP_FAILED = 71

# Inside, a shell is the PID namespace's first process (--as-pid-1) and waits for the runner; the
# command after "$@" keeps it from exec'ing the runner in its place. Not bwrap's own init: bwrap 0.8's
# outer process learns the runner's exit status from it through an eventfd and exits without reaping
# it, so that init would linger as a zombie in the job's process group until the system's init reaped
# it (1 to 2 s here, for ever under a PID 1 that never reaps), and the runner's CPU time and peak
# memory, which reach the host only through waits, would be lost. Nor the runner as PID 1: the kernel
# drops signals a namespace's init sends itself, so os.abort() would end in SIGSEGV (tried), not SIGABRT. The shell
# passes a signal death on as 128 + N (see _exit_status); when it exits, the kernel kills whatever is
# left in the namespace. Reward code cannot end it early: the kernel drops the signals a namespace's
# processes send its init unless it handles them (SIGKILL included), SIGTERM comes ignored from the
# host side, and `trap : INT` keeps the one signal a `sh -c` catches, SIGINT, from ending it (a caught
# signal is back to its default in the runner after exec).
_WAITING_SHELL = ("/bin/sh", "-c", 'trap : INT; "$@"; exit $?', "sh")

# No --new-session: the job already runs in a session of its own, made by the host, with no
# controlling terminal (stdin is /dev/null, output goes to a file), so there is no terminal to inject
# input into (TIOCSTI). A new session inside would also take the runner out of the process group the
# host sends SIGTERM to, and it could no longer report where it was stopped.
_ISOLATION = (
    "--unshare-all",  # user, PID, network (loopback only), IPC, UTS and cgroup namespaces
    "--unshare-user",  # implied by --unshare-all, but --disable-userns wants it named
    "--disable-userns",  # no nested user namespaces: no namespaced capabilities to reach kernel code with
    "--as-pid-1",  # see _WAITING_SHELL
    "--die-with-parent",
    "--cap-drop",
    "ALL",  # as root, bwrap would otherwise keep them
    "--uid",
    str(SANDBOX_ID),
    "--gid",
    str(SANDBOX_ID),
)


class BwrapSandbox(ProcessSandbox):
    """Runs jobs like :class:`ProcessSandbox`, each inside a bubblewrap sandbox; safe to call from several threads.

    Args:
        scratch_root: Where each job's host-side scratch directory (its log) is made.
        term_grace_s: Seconds between SIGTERM and SIGKILL when a job runs out of time.
        poll_interval_s: How often the host checks the process and the progress file.
        tmp_size_mb: Size of the job's tmpfs at ``/tmp`` (its HOME and TMPDIR), in MiB; it is memory.
    """

    name = "bwrap"
    isolation = (
        "The process backend's limits, plus a bubblewrap sandbox: the job runs as uid 65534 with no capabilities "
        "in new user, PID, network (loopback only), IPC, UTS and cgroup namespaces, and sees only read-only system "
        "directories, the Python installation, the virtual environment and the rewardsmith package, its job "
        "directory, its output directory and a private /tmp, with no host environment variables; where the host "
        "allows it, a cgroup caps its processes, memory and CPU. It does not filter system calls (no seccomp), "
        "so a kernel flaw could still be exploited from inside, and it exposes no GPU, so jobs run on the CPU only."
    )

    def __init__(
        self,
        *,
        scratch_root: Path | None = None,
        term_grace_s: float = 2.0,
        poll_interval_s: float = 0.1,
        tmp_size_mb: int = 512,
    ) -> None:
        super().__init__(scratch_root=scratch_root, term_grace_s=term_grace_s, poll_interval_s=poll_interval_s)
        self._tmp_size_mb = tmp_size_mb
        # execute() makes the job's cgroup and _command(), called by it on the same thread, puts bwrap in it.
        self._local = threading.local()

    def execute(self, job: SandboxJob, job_dir: Path, out_dir: Path, on_progress: ProgressFn | None) -> Execution:
        """Run ``job`` in a bubblewrap sandbox; see :meth:`rewardsmith.sandbox.Sandbox.execute`."""
        unavailable = bwrap_available()
        if unavailable is not None:
            return Execution(failed(job, failures.sandbox_error(f"bwrap cannot run here: {unavailable}")))
        memory_mb = (job.limits.memory_mb or SandboxLimits.model_fields["memory_mb"].default) + self._tmp_size_mb
        cgroup = make_job_cgroup(
            f"{job.id}-{os.getpid()}-{threading.get_ident()}",
            pids_max=PIDS_LIMIT,
            memory_bytes=memory_mb << 20,
            cpu_cores=job.limits.threads,
        )
        self._local.cgroup = cgroup
        try:
            return super().execute(job, job_dir, out_dir, on_progress)
        finally:
            self._local.cgroup = None
            if cgroup is not None:
                cgroup.remove()

    def _command(
        self, job: SandboxJob, job_dir: Path, out_dir: Path, home: Path, tmp: Path, token: str, report: int
    ) -> list[str]:
        # home and tmp are the host's scratch; the job gets its own in the sandbox's /tmp.
        bwrap = _bwrap_path()
        if bwrap is None:  # only if bwrap vanished since it was probed
            bwrap = "bwrap"
        cgroup: JobCgroup | None = getattr(self._local, "cgroup", None)
        binds = [
            *_host_mounts(),
            *("--ro-bind", str(job_dir), JOB_MOUNT),
            *("--bind", str(out_dir), OUT_MOUNT),
            *_task_mounts(job.control_task() or ""),
            # The job may read its own cgroup's limits where /sys shows them (sandbox check measures them).
            *(arg for host, inside in (cgroup.mounts() if cgroup else []) for arg in ("--ro-bind", str(host), inside)),
        ]
        mounts = [*_scratch_mounts(self._tmp_size_mb), *_shielded(binds), *_read_only_root()]
        enter = "".join(f"echo $$ > {shlex.quote(str(f))} || exit {_CGROUP_FAILED}; " for f in _procs(cgroup))
        return [
            "/bin/sh",
            "-c",
            enter + _IGNORING_SIGTERM,
            "sh",
            bwrap,
            *_ISOLATION,
            *_environment_args(job.limits, token),
            *mounts,
            *("--chdir", TMP_DIR),
            "--",
            *_WAITING_SHELL,
            sys.executable,
            "-m",
            _RUNNER,
            JOB_MOUNT,
            OUT_MOUNT,
            # bwrap passes inherited descriptors on: the report is the same anonymous file inside.
            str(report),
        ]

    def _exit_status(self, exit_code: int | None, signal_number: int | None) -> tuple[int | None, int | None]:
        # The shell inside reports a signal death as 128 + N, and bwrap passes that on; the runner itself
        # exits only with 0, 2 or 70. A candidate's os._exit(128 + N) reads as signal N too: the two cannot
        # be told apart, and either is a crash.
        if signal_number is None and exit_code is not None and exit_code - _SIGNALLED_EXIT in _SIGNALS:
            return None, exit_code - _SIGNALLED_EXIT
        return exit_code, signal_number


def _open(options: OpenOptions) -> BwrapSandbox:
    return BwrapSandbox()


BACKEND = Backend(
    name="bwrap",
    description="Linux namespaces",
    open=_open,
    # Looked up when called, so that a test can stand in for a host without bwrap.
    unavailable=lambda: bwrap_available(),
    isolating=True,
    enable="install bubblewrap ('apt-get install bubblewrap')",
)


def _procs(cgroup: JobCgroup | None) -> tuple[Path, ...]:
    return cgroup.procs_files if cgroup is not None else ()


def bwrap_available() -> str | None:
    """None when bubblewrap can make its sandbox here, else a one-line reason with a hint.

    Probes once per process, by running ``true`` in the sandbox the jobs get (a few milliseconds).
    """
    return _probe(_bwrap_path())


def bare_command() -> list[str]:
    """The sandbox a job gets, less its job and output mounts and cgroup, to put before a command.

    For measuring what the isolation itself costs (``bench/sandbox_overhead.py``).
    """
    bwrap = _bwrap_path() or "bwrap"
    mounts = [*_base_mounts(16), *_read_only_root()]
    return [bwrap, *_ISOLATION, *_environment_args(SandboxLimits(), "bare"), *mounts, "--", *_WAITING_SHELL]


@functools.cache
def _bwrap_path() -> str | None:
    return shutil.which("bwrap")


@functools.cache
def _probe(bwrap: str | None) -> str | None:
    if not sys.platform.startswith("linux"):
        return f"bubblewrap runs on Linux only, not {sys.platform}"
    if bwrap is None:
        return f"bubblewrap is not installed (no bwrap on PATH): {_HINT}"
    command = [
        bwrap,
        *_ISOLATION,
        *_environment_args(SandboxLimits(), "probe"),
        *_base_mounts(1),
        *_read_only_root(),
        "--",
        *_WAITING_SHELL,
        "true",
    ]
    try:
        completed = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, timeout=_PROBE_TIMEOUT_S, env={}, check=False
        )
    except OSError as error:
        return f"{bwrap} cannot be started ({error.strerror or error}): {_HINT}"
    except subprocess.TimeoutExpired:
        return f"{bwrap} did not finish a trivial command in {_PROBE_TIMEOUT_S:.0f} s"
    if completed.returncode != 0:
        lines = completed.stderr.decode(errors="replace").strip().splitlines()
        detail = lines[0][:200] if lines else f"exit status {completed.returncode}"
        return f"bwrap cannot create its sandbox here ({detail}): {_HINT}"
    return None


def _environment_args(limits: SandboxLimits, token: str) -> list[str]:
    """The process backend's variables, with the sandbox's paths, and nothing of the host's environment."""
    environment = _environment(limits, Path(HOME_DIR), Path(TMP_DIR), token)
    environment["PATH"] = _SANDBOX_PATH
    args = ["--clearenv"]
    for name, value in environment.items():
        args += ["--setenv", name, value]
    return args


def _base_mounts(tmp_size_mb: int) -> list[str]:
    """Every job's filesystem: system and Python directories read-only, /proc, /dev and a private /tmp."""
    return [*_scratch_mounts(tmp_size_mb), *_shielded(list(_host_mounts()))]


def _scratch_mounts(tmp_size_mb: int) -> list[str]:
    # The tmpfs first: a directory bound later under /tmp (a task's, say) must land on it, not under it.
    return [
        *("--proc", "/proc"),
        *("--dev", "/dev"),
        *("--size", str(tmp_size_mb << 20), "--tmpfs", TMP_MOUNT),
        *("--dir", HOME_DIR, "--dir", TMP_DIR),
    ]


def _shielded(binds: list[str]) -> list[str]:
    """``binds``, with the directories bwrap makes for them under the job's writable /tmp made read-only.

    A host path bound at its own path under /tmp (a checkout or a task in /tmp/...) would otherwise sit
    in directories of the job's own tmpfs, which the job could write: a file it made at the project's
    path would look, from inside, like a write to the project. Each first-level directory under /tmp
    that holds a bind gets a tmpfs of its own, remounted read-only once the binds inside it exist.
    """
    scratch = (Path(HOME_DIR), Path(TMP_DIR))
    shields: dict[Path, None] = {}
    for index, argument in enumerate(binds):
        if argument not in ("--ro-bind", "--bind") or index + 2 >= len(binds):
            continue
        destination = Path(binds[index + 2])
        if destination.is_relative_to(TMP_MOUNT) and destination != Path(TMP_MOUNT):
            shield = Path(TMP_MOUNT) / destination.relative_to(TMP_MOUNT).parts[0]
            if shield not in scratch:
                shields[shield] = None
    before = [argument for shield in shields for argument in ("--tmpfs", str(shield))]
    after = [argument for shield in shields for argument in ("--remount-ro", str(shield))]
    return [*before, *binds, *after]


@functools.cache
def _host_mounts() -> tuple[str, ...]:
    args: list[str] = []
    bound: list[Path] = []
    for name in _SYSTEM_DIRS:
        path = Path(name)
        if path.is_symlink():  # e.g. Debian's /bin -> usr/bin
            args += ["--symlink", str(path.readlink()), name]
        elif path.is_dir():
            args += ["--ro-bind", name, name]
            bound.append(path)
    # The interpreter is started by its path in the virtual environment, so that its pyvenv.cfg and
    # site-packages are found; that path links to the real installation, which is bound too.
    executable = Path(sys.executable)
    wanted = [
        Path(sys.base_prefix),
        Path(sys.base_exec_prefix),
        Path(sys.prefix),
        Path(sys.exec_prefix),
        executable.parent,
        executable.resolve().parent,
        _PACKAGE_DIR,
    ]
    for path in [*wanted, *(path.resolve() for path in wanted)]:
        if path.is_absolute() and path.is_dir() and not any(path.is_relative_to(done) for done in bound):
            args += ["--ro-bind", str(path), str(path)]
            bound.append(path)
    return tuple(args)


def _task_mounts(task: str) -> list[str]:
    """The bind that lets the runner load a user task given as an absolute ``path/to/file.py:ClassName``.

    The file's directory (it may hold the task's data or modules) is bound read-only under
    :data:`~rewardsmith.sandbox.task_files.TASK_ROOT`, never at its own path: a file directly in /tmp
    would otherwise need a bind inside the job's own tmpfs. A relative path (or one starting with ``~``)
    is left alone: the runner would look for it in its own working directory (or HOME), as in the
    process backend.
    """
    path = task.rpartition(":")[0]
    file = task_file(task)
    if file is None or not Path(path).is_absolute() or not file.is_file():
        return []
    return ["--ro-bind", str(file.parent), mounted_dir(file.parent)]


def _read_only_root() -> list[str]:
    # Last, once every mount point exists: bwrap's root and /dev are writable tmpfs otherwise. The
    # device nodes in /dev are mounts of their own and stay usable.
    return ["--remount-ro", "/dev", "--remount-ro", "/"]
