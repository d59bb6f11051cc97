"""The hostile-candidate suite: every attack in ``hostile.py`` through verify and train, on docker and bwrap.

For each attack: it is contained (the host's listeners hear nothing, the host's files are untouched,
no secret leaks), it ends as a typed failure a designer can act on, the sandbox goes on to serve the
next job, and afterwards nothing of it (container, process, scratch file) is left on the host.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from rewardsmith.sandbox import (
    SandboxJob,
    SandboxLimits,
    SandboxResult,
    TrainJob,
    VerifyJob,
    close_sandbox,
    prepare_job,
)
from rewardsmith.sandbox.outputs import VerifyOutput
from rewardsmith.training import TrainConfig
from tests.sandbox.backends import open_backend, sandbox_processes
from tests.sandbox.hostile import HOSTILE, MONKEYPATCH_TORCH, USES_PATCHED, render

PROJECT_DIR = Path(__file__).resolve().parents[2]
SECRET_VAR = "REWARDSMITH_HOSTILE_SECRET"
TINY = TrainConfig(
    steps=2048, num_envs=16, rollouts=16, checkpoints=1, eval_episodes=2, record_episodes=0, device="cpu"
)
# 2 GiB: torch and a tiny PPO run need under 1; a memory bomb hits it sooner, and two at once stay well
# inside this machine's memory.
MEMORY_MB = 2048
LIMITS = SandboxLimits(wall_time_s=90, memory_mb=MEMORY_MB)
# For the attacks that must end as timeouts: whether the limit strikes in the attack or still in the
# job's start-up, the outcome is the same typed timeout, so a short limit proves as much as a long one.
SHORT = SandboxLimits(wall_time_s=8, memory_mb=MEMORY_MB)
JOB_KINDS = ("verify", "train")


class Listeners:
    """A TCP and a UDP server on the host's loopback, counting whatever reaches them."""

    def __init__(self) -> None:
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.heard: list[str] = []
        self._threads = [
            threading.Thread(target=self._accept, daemon=True),
            threading.Thread(target=self._echo, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def tcp_port(self) -> int:
        return self.tcp.getsockname()[1]

    @property
    def udp_port(self) -> int:
        return self.udp.getsockname()[1]

    def _accept(self) -> None:
        while True:
            try:
                connection, peer = self.tcp.accept()
            except OSError:
                return
            self.heard.append(f"tcp from {peer}")
            connection.close()

    def _echo(self) -> None:
        while True:
            try:
                data, peer = self.udp.recvfrom(64)
            except OSError:
                return
            self.heard.append(f"udp from {peer}")
            self.udp.sendto(data, peer)

    def close(self) -> None:
        self.tcp.close()
        self.udp.close()


@dataclass
class Suite:
    backend: str
    results: dict[tuple[str, str], SandboxResult]
    host_files: list[Path]
    heard: list[str]
    secret: str
    left_containers: list[str]
    left_processes: list[str]
    left_scratch: list[str]
    patched_before: SandboxResult | None
    patched: SandboxResult | None
    patched_after: SandboxResult | None


def _job(name: str, kind: str, limits: SandboxLimits) -> SandboxJob:
    spec = VerifyJob(task="cartpole") if kind == "verify" else TrainJob(task="cartpole", config=TINY)
    return SandboxJob(id=f"{kind}-{name}", job=spec, limits=limits)


@pytest.fixture(scope="module", params=["docker", "bwrap"])
def suite(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    backend_name = request.param
    root = tmp_path_factory.mktemp(f"hostile-{backend_name}")
    scratch = root / "scratch"
    scratch.mkdir()
    marker = secrets.token_hex(6)
    secret = f"s3cret-{secrets.token_hex(8)}"
    home_secret = Path.home() / f".rewardsmith-hostile-{marker}"
    home_secret.write_text(secret)
    previous = os.environ.get(SECRET_VAR)
    os.environ[SECRET_VAR] = secret
    listeners = Listeners()
    values = {
        "TCP_PORT": str(listeners.tcp_port),
        "UDP_PORT": str(listeners.udp_port),
        "SECRET": secret,
        "SECRET_VAR": SECRET_VAR,
        "HOME_SECRET_FILE": str(home_secret),
        "PROJECT_FILE": str(PROJECT_DIR / "README.md"),
        "PROJECT_DIR": str(PROJECT_DIR),
        "MARKER": marker,
    }
    sandbox = open_backend(backend_name, scratch)
    try:

        def run(name: str, kind: str) -> tuple[tuple[str, str], SandboxResult]:
            case = HOSTILE[name]
            job = _job(name, kind, SHORT if case.short_limit else LIMITS)
            job_dir = prepare_job(job, render(case.code, values), root / kind / name / "job")
            return (name, kind), sandbox.run(job, job_dir, root / kind / name / "out")

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = dict(pool.map(lambda pair: run(*pair), [(n, k) for k in JOB_KINDS for n in HOSTILE]))

        def verify(name: str, code: str) -> SandboxResult:
            job = _job(name, "verify", LIMITS)
            return sandbox.run(job, prepare_job(job, code, root / name / "job"), root / name / "out")

        # One after another, so that a warm container serves all three.
        patched_before = verify("uses-patched-before", USES_PATCHED)
        patched = verify("monkeypatch", MONKEYPATCH_TORCH)
        patched_after = verify("uses-patched-after", USES_PATCHED)
    finally:
        close_sandbox(sandbox)
        listeners.close()
        home_secret.unlink()
        if previous is None:
            os.environ.pop(SECRET_VAR, None)
        else:
            os.environ[SECRET_VAR] = previous
    host_files = [Path(render(path, values)) for case in HOSTILE.values() for path in case.host_files]
    yield Suite(
        backend=backend_name,
        results=results,
        host_files=[path for path in host_files if path.exists()],
        heard=list(listeners.heard),
        secret=secret,
        left_containers=_our_containers() if backend_name == "docker" else [],
        left_processes=sandbox_processes(),
        left_scratch=[str(path) for path in scratch.iterdir()],
        patched_before=patched_before,
        patched=patched,
        patched_after=patched_after,
    )
    for path in host_files:
        path.unlink(missing_ok=True)


def _our_containers() -> list[str]:
    from rewardsmith.sandbox.docker import docker_client
    from rewardsmith.sandbox.docker.image import LABEL

    client = docker_client()
    return [container.name for container in client.containers.list(all=True, filters={"label": LABEL})]


@pytest.mark.parametrize("kind", JOB_KINDS)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_attack_is_contained_and_reported_with_a_typed_reason(suite: Suite, name: str, kind: str) -> None:
    result = suite.results[(name, kind)]
    assert not result.ok, f"{suite.backend}: the {name} attack got through ({kind} job succeeded)"
    assert result.failure is not None
    assert result.failure.kind in HOSTILE[name].kinds, (result.failure, result.log_tail[-500:])
    assert result.failure.message.strip(), "a designer needs a message to act on"
    assert suite.secret not in result.model_dump_json(), "the secret leaked into the result"
    assert len(result.log_tail) <= LIMITS.max_log_bytes


def test_no_traffic_reached_the_host(suite: Suite) -> None:
    assert suite.heard == []


def test_no_file_was_written_on_the_host(suite: Suite) -> None:
    assert suite.host_files == []


def test_nothing_is_left_behind(suite: Suite) -> None:
    assert suite.left_containers == []
    assert suite.left_processes == []
    assert suite.left_scratch == []


def test_a_monkeypatched_torch_does_not_reach_the_next_candidate(suite: Suite) -> None:
    before, patched, after = suite.patched_before, suite.patched, suite.patched_after
    assert before is not None and patched is not None and after is not None
    assert before.ok and patched.ok and after.ok, (before.failure, patched.failure, after.failure)
    verified_before, verified_after = before.output_of(VerifyOutput), after.output_of(VerifyOutput)
    assert verified_before is not None and verified_after is not None
    assert verified_after.verify.total_stats == verified_before.verify.total_stats
    assert (
        verified_after.verify.total_stats is not None and verified_after.verify.total_stats.max < 1.0
    )  # tanh of |angle|, not the patched constant 7


def test_the_sandbox_still_serves_good_candidates_after_the_attacks(suite: Suite) -> None:
    # The last jobs ran after all the attacks, on the same sandbox.
    assert suite.patched_after is not None and suite.patched_after.ok
