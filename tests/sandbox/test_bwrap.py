"""Real jobs through the bwrap backend: what a job can see and do inside, and how its endings are reported.

A handful of jobs run once, together, in a module fixture; the tests then check each outcome. One of
them, PROBE, looks around from inside the sandbox and writes what it found to its output directory.
Where bwrap cannot run, the module is skipped, or fails when CI is "true".
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import rewardsmith
from rewardsmith.sandbox import Sandbox, SandboxJob, SandboxLimits, SandboxResult, TrainJob, VerifyJob, prepare_job
from rewardsmith.sandbox.bwrap import JOB_MOUNT, OUT_MOUNT, BwrapSandbox, _host_mounts, _probe, bwrap_available
from rewardsmith.sandbox.outputs import TrainOutput, VerifyOutput
from rewardsmith.sandbox.task_files import TASK_ROOT, mounted_dir
from rewardsmith.training import TrainConfig
from tests.sandbox import candidates as c
from tests.sandbox.backends import live_processes

UNAVAILABLE = bwrap_available()
if UNAVAILABLE is not None and os.environ.get("CI") != "true":
    pytest.skip(f"bwrap cannot run here: {UNAVAILABLE}", allow_module_level=True)

PROJECT = Path(rewardsmith.__file__).resolve().parent.parent
PACKAGE = Path(rewardsmith.__file__).resolve().parent
SECRET_NAME, SECRET_VALUE = "REWARDSMITH_TEST_API_KEY", "sk-fake-3f9a1c"
STRAY = "1414.21"  # a unique argument for the `sleep` the probe leaves behind in a session of its own
GRACE_S = 2.0
# Five jobs start together on 2 cores; importing torch alone can then take 10 s.
LOOP_WALL_S = 20.0
ROOMY = SandboxLimits(wall_time_s=120)
VERIFY = VerifyJob(task="cartpole")
TINY = TrainConfig(
    steps=4096, num_envs=16, rollouts=16, checkpoints=2, eval_episodes=4, record_episodes=1, device="cpu"
)

USER_TASK = """\
from rewardsmith.tasks.builtin.cartpole import CartPole


class MyPole(CartPole):
    pass
"""

# PARAMS (a dict) is prepended. Everything is probed at import; the reward itself is a good one.
PROBE = """\
import ctypes
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import torch


def attempt(action):
    try:
        action()
    except OSError as error:
        return type(error).__name__
    return "ok"


def read(path):
    if Path(path).is_dir():
        os.listdir(path)
    else:
        Path(path).read_bytes()


def write(path):
    Path(path).write_text("x")


def connect(address):
    with socket.create_connection(address, timeout=2):
        pass


def unshare_user():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
        raise OSError(ctypes.get_errno(), "unshare")


status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
facts = {
    "uid": os.getuid(),
    "gid": os.getgid(),
    "cap_eff": int(status["CapEff"].strip(), 16),
    "cap_bnd": int(status["CapBnd"].strip(), 16),
    "interfaces": sorted(name for _, name in socket.if_nameindex()),
    "connect_host": attempt(lambda: connect(("127.0.0.1", PARAMS["port"]))),
    "connect_out": attempt(lambda: connect(("1.1.1.1", 53))),
    # As the runner was started, before any import set variables of its own.
    "environ": dict(
        entry.split("=", 1) for entry in Path("/proc/self/environ").read_text().split(chr(0)) if "=" in entry
    ),
    "reads": {path: attempt(lambda path=path: read(path)) for path in PARAMS["reads"]},
    "writes": {path: attempt(lambda path=path: write(path)) for path in PARAMS["writes"]},
    "root": sorted(os.listdir("/")),
    "pids": sorted(int(name) for name in os.listdir("/proc") if name.isdigit()),
    "unshare_user": attempt(unshare_user),
}
# The runner's parent, the namespace's first process: ending it would end the job before it reports.
for signum in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1):
    for pid in {1, os.getppid()}:
        os.kill(pid, signum)
time.sleep(0.2)
facts["parent"] = os.getppid()
subprocess.Popen(["sleep", PARAMS["stray"]], start_new_session=True)
Path("/out/probe.json").write_text(json.dumps(facts))
# A directory the job locked: the host must still be able to remove it.
Path("/out/locked").mkdir()
Path("/out/locked/file").write_text("x")
os.chmod("/out/locked", 0o500)


def compute_reward(pole_angle):
    alive = torch.ones_like(pole_angle)
    return alive, {"alive": alive}
"""


@dataclass(frozen=True)
class Case:
    code: str
    job: VerifyJob | TrainJob
    limits: SandboxLimits = ROOMY


@dataclass
class Outcome:
    result: SandboxResult
    out_dir: Path
    progress: list[tuple[int, int]] = field(default_factory=list)
    alive: list[str] = field(default_factory=list)


@dataclass
class Runs:
    outcomes: dict[str, Outcome]
    facts: dict
    paths: dict[str, list[str]]
    task_dir: Path


def _alive(pgid: int | None, out_dir: Path) -> list[str]:
    """Live processes of the job: in its group or session, or bwrap processes naming its output directory."""
    return [
        f"{pid} {state} {argv!r}"
        for pid, state, group, session, argv in live_processes()
        if state != "Z" and (pgid in (group, session) or str(out_dir).encode() in argv)
    ]


def _run(sandbox: BwrapSandbox, name: str, case: Case, root: Path) -> Outcome:
    job = SandboxJob(id=name, job=case.job, limits=case.limits)
    job_dir = prepare_job(job, case.code, root / "job")
    progress: list[tuple[int, int]] = []
    out_dir = root / "out"
    result = sandbox.run(job, job_dir, out_dir, on_progress=lambda steps, total: progress.append((steps, total)))
    return Outcome(result=result, out_dir=out_dir, progress=progress, alive=_alive(result.pid, out_dir))


@pytest.fixture(scope="module", autouse=True)
def bwrap_runs() -> None:
    # Only reached when bwrap is unavailable and CI is "true": fail rather than skip.
    if UNAVAILABLE is not None:
        pytest.fail(f"bwrap cannot run here (CI is true, so this fails): {UNAVAILABLE}")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = tmp_path_factory.mktemp("bwrap")
    task_dir = root / "user-task"
    task_dir.mkdir()
    (task_dir / "my_task.py").write_text(USER_TASK)
    (task_dir / "data.txt").write_text("the task's own data")
    (root / "next-to-the-task-dir.txt").write_text("not the task's")
    try:
        home_files = sorted(str(path) for path in Path.home().iterdir() if path.is_file())[:5]
    except OSError:
        home_files = []
    paths = {
        "readable": [
            f"{JOB_MOUNT}/job.json",
            str(PACKAGE / "__init__.py"),
            os.__file__,
            # The task's directory is mounted under the sandbox's task root, never at its host path.
            f"{mounted_dir(task_dir)}/data.txt",
        ],
        "unreadable": [
            str(PROJECT / "README.md"),
            str(PROJECT / "pyproject.toml"),
            str(PROJECT / ".git"),
            str(PROJECT / "tests"),
            str(root / "next-to-the-task-dir.txt"),
            str(task_dir / "data.txt"),
            str(root / "verify-good"),  # another job's directories
            "/etc/passwd",
            "/etc/hostname",
            "/sys/class/net",
            *home_files,
        ],
        "writable": [f"{OUT_MOUNT}/w", "/tmp/w", "/tmp/home/w", "/tmp/tmp/w"],
        "unwritable": [
            "/w",
            f"{JOB_MOUNT}/w",
            "/usr/w",
            "/dev/w",
            "/proc/w",
            str(PROJECT / "w"),
            str(PACKAGE / "w"),
            f"{sys.prefix}/w",
            f"{sys.base_prefix}/w",
            str(task_dir / "w"),
            f"{mounted_dir(task_dir)}/w",
            str(Path.home() / "w"),
        ],
    }
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    with socket.create_connection(("127.0.0.1", port), timeout=2):  # the host itself can connect
        pass
    params = {
        "port": port,
        "stray": STRAY,
        "reads": paths["readable"] + paths["unreadable"],
        "writes": paths["writable"] + paths["unwritable"],
    }
    cases = {
        # The slow one first, so that the others overlap with it.
        "verify-infinite-loop": Case(c.INFINITE_LOOP, VERIFY, SandboxLimits(wall_time_s=LOOP_WALL_S)),
        "train-good": Case(c.GOOD, TrainJob(task="cartpole", config=TINY)),
        "verify-probe": Case(f"PARAMS = {params!r}\n{PROBE}", VerifyJob(task=f"{task_dir / 'my_task.py'}:MyPole")),
        "verify-good": Case(c.GOOD, VERIFY),
        "verify-abort": Case(c.ABORT, VERIFY),
    }
    sandbox = BwrapSandbox(scratch_root=root / "scratch", term_grace_s=GRACE_S)
    try:
        with pytest.MonkeyPatch.context() as patch, ThreadPoolExecutor(max_workers=3) as pool:
            patch.setenv(SECRET_NAME, SECRET_VALUE)
            futures = {name: pool.submit(_run, sandbox, name, case, root / name) for name, case in cases.items()}
            outcomes = {name: future.result() for name, future in futures.items()}
    finally:
        listener.close()
    probe = outcomes["verify-probe"]
    assert probe.result.ok, (probe.result.failure, probe.result.log_tail)
    facts = json.loads((probe.out_dir / "probe.json").read_text())
    return Runs(outcomes=outcomes, facts=facts, paths=paths, task_dir=task_dir)


@pytest.fixture(scope="module")
def facts(runs: Runs) -> dict:
    return runs.facts


# ---- availability --------------------------------------------------------------------------------


def test_bwrap_is_available_here() -> None:
    assert bwrap_available() is None
    assert isinstance(BwrapSandbox(), Sandbox)
    assert BwrapSandbox.name == "bwrap"


def test_an_unusable_bwrap_is_one_line_with_a_hint() -> None:
    missing = _probe(None)
    failing = _probe("/bin/false")
    for reason in (missing, failing):
        assert reason is not None and "\n" not in reason
        assert "apt-get install bubblewrap" in reason
    assert "not installed" in missing
    assert "cannot create its sandbox" in failing


def test_starting_the_sandbox_is_cheap(tmp_path: Path) -> None:
    # The very command line of a job, with `true` for the runner.
    job = SandboxJob(id="latency", job=VERIFY)
    job_dir, out_dir = tmp_path / "job", tmp_path / "out"
    job_dir.mkdir()
    out_dir.mkdir()
    command = BwrapSandbox()._command(job, job_dir, out_dir, tmp_path, tmp_path, "token", 0)
    sandboxed = [*command[: command.index(sys.executable)], "true"]

    def median_ms(argv: list[str]) -> float:
        times = []
        for _ in range(7):
            started = time.perf_counter()
            subprocess.run(argv, check=True)
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000

    overhead = median_ms(sandboxed) - median_ms(["true"])
    # About 5 ms measured; the bound leaves room for a busy machine.
    assert overhead < 150, f"starting the sandbox costs {overhead:.0f} ms"


# ---- jobs ----------------------------------------------------------------------------------------


def test_good_candidate_verifies(runs: Runs) -> None:
    result = runs.outcomes["verify-good"].result
    assert result.ok, (result.failure, result.log_tail)
    verified = result.output_of(VerifyOutput)
    assert verified is not None and set(verified.verify.components) == {"alive", "upright", "centred"}
    assert result.backend == "bwrap"
    assert result.exit_code == 0 and result.signal is None


def test_good_candidate_trains(runs: Runs) -> None:
    outcome = runs.outcomes["train-good"]
    result = outcome.result
    assert result.ok, (result.failure, result.log_tail)
    trained = result.output_of(TrainOutput)
    assert trained is not None and trained.training.steps == 4096
    assert (outcome.out_dir / trained.training.policy_file).is_file()
    assert outcome.progress[-1] == (4096, 4096)


def test_a_user_task_file_is_loaded_from_its_directory(runs: Runs, facts: dict) -> None:
    # The probe ran on the user's task, and could read the file next to it, but not write there.
    assert runs.outcomes["verify-probe"].result.ok
    assert facts["reads"][f"{mounted_dir(runs.task_dir)}/data.txt"] == "ok"


def test_infinite_loop_is_stopped_at_the_wall_limit_and_names_the_line(runs: Runs) -> None:
    # The host's SIGTERM reaches the runner inside bwrap, which reports where it was stopped.
    result = runs.outcomes["verify-infinite-loop"].result
    assert result.failure is not None and result.failure.kind == "timeout", (result.failure, result.log_tail)
    assert "line 2 | while True:" in result.failure.message
    assert LOOP_WALL_S <= result.wall_time_s <= LOOP_WALL_S + GRACE_S + 3
    assert result.exit_code == 0  # the runner reported, and bwrap passed on its exit status


def test_a_signal_death_is_reported_as_a_signal(runs: Runs) -> None:
    result = runs.outcomes["verify-abort"].result
    assert result.signal == "SIGABRT" and result.exit_code is None
    assert result.failure is not None and result.failure.kind == "crashed"
    assert "SIGABRT" in result.failure.message


def test_nothing_of_any_job_outlives_it(runs: Runs) -> None:
    for name, outcome in runs.outcomes.items():
        assert outcome.alive == [], name
    wanted = f"sleep\0{STRAY}\0".encode()
    assert [pid for pid, state, _, _, argv in live_processes() if state != "Z" and argv == wanted] == []


# ---- what the job sees inside ----------------------------------------------------------------------


def test_the_job_runs_as_nobody_without_capabilities(facts: dict) -> None:
    assert (facts["uid"], facts["gid"]) == (65534, 65534)
    assert facts["cap_eff"] == 0 and facts["cap_bnd"] == 0
    assert facts["unshare_user"] != "ok"  # no user namespace of its own to gain capabilities in


def test_the_job_has_no_network(facts: dict) -> None:
    assert facts["interfaces"] == ["lo"]
    assert facts["connect_host"] != "ok"  # the test's listener on the host's loopback is out of reach
    assert facts["connect_out"] != "ok"


def test_the_job_gets_none_of_the_hosts_environment(facts: dict) -> None:
    environ = facts["environ"]
    assert SECRET_NAME not in environ
    assert SECRET_VALUE not in json.dumps(environ)
    allowed = {
        "PATH",
        "LANG",
        "CUDA_VISIBLE_DEVICES",
        "HOME",
        "TMPDIR",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "PYTHONPATH",
        "PYTHONSAFEPATH",
        "PYTHONNOUSERSITE",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED",
        "REWARDSMITH_SANDBOX_TOKEN",
        "PWD",  # set by bwrap's --chdir
    }
    assert set(environ) <= allowed, set(environ) - allowed
    assert environ["HOME"].startswith("/tmp/") and environ["TMPDIR"].startswith("/tmp/")


def test_the_job_sees_only_its_own_processes(facts: dict) -> None:
    assert 1 in facts["pids"] and len(facts["pids"]) < 10, facts["pids"]


def test_reward_code_cannot_end_the_job_by_signalling_its_parent(runs: Runs, facts: dict) -> None:
    # The probe sent SIGKILL, SIGTERM, SIGINT, SIGHUP, SIGQUIT and SIGUSR1 to PID 1, its parent, and lived on.
    assert facts["parent"] == 1
    assert runs.outcomes["verify-probe"].result.ok


def test_the_job_reads_only_what_it_needs(runs: Runs, facts: dict) -> None:
    reads = facts["reads"]
    assert {path: reads[path] for path in runs.paths["readable"]} == dict.fromkeys(runs.paths["readable"], "ok")
    readable = [path for path in runs.paths["unreadable"] if reads[path] == "ok"]
    assert readable == []
    # At the top: the sandbox's own mount points, and the first directories of the paths bound from the host.
    bound = [argument for argument in _host_mounts() if argument.startswith("/")] + [TASK_ROOT]
    # sys: the job's own cgroup, shown read-only where the host gave it one.
    expected = {"bin", "lib", "lib64", "usr", "proc", "dev", "tmp", "job", "out", "sys"} | {
        Path(path).parts[1] for path in bound
    }
    assert set(facts["root"]) <= expected
    assert "etc" not in facts["root"]


def test_the_job_writes_only_to_out_and_tmp(runs: Runs, facts: dict) -> None:
    writes = facts["writes"]
    assert {path: writes[path] for path in runs.paths["writable"]} == dict.fromkeys(runs.paths["writable"], "ok")
    written = [path for path in runs.paths["unwritable"] if writes[path] == "ok"]
    assert written == []
    assert not (PROJECT / "w").exists() and not (runs.task_dir / "w").exists()


def test_the_host_can_remove_what_the_job_wrote(runs: Runs) -> None:
    out_dir = runs.outcomes["verify-probe"].out_dir
    assert (out_dir / "locked" / "file").stat().st_uid == os.getuid()
    shutil.rmtree(out_dir)
    assert not out_dir.exists()
