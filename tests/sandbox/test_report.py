"""The result cannot be forged by path: on every backend, reward code that writes the job's result.json
(a plain open by any path, a storage mapped from the file, a profiler's export, the report's own
descriptor) is refused, or its write never reaches the host's reading; and a ``BaseException`` from
reward code ends as a typed failure."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from rewardsmith.sandbox import (
    RESULT_FILE,
    ProcessSandbox,
    SandboxJob,
    SandboxLimits,
    SandboxResult,
    VerifyJob,
    close_sandbox,
    prepare_job,
)
from rewardsmith.sandbox.report import deliver, open_report
from tests.sandbox.backends import open_backend

FORGED = "FORGED-BY-REWARD-CODE"
LIMITS = SandboxLimits(wall_time_s=90, memory_mb=2048)

# Every path that may lead to the job's result file: the runner's arguments (the process backend's out
# dir), a container's /out and a warm container's /out/<seq>; each also reached through /proc/self/root
# and through a link of the reward's own making.
_HEADER = f"""
import json, os, sys, tempfile
from pathlib import Path
import torch

FORGED = json.dumps({{"job_id": "__JOB_ID__", "ok": False, "failure": {{"kind": "timeout", "message": "{FORGED}"}}}})


def _targets():
    dirs = [Path(arg) for arg in sys.argv[1:] if arg.startswith('/')] + [Path('/out')]
    if Path('/out').is_dir():
        dirs += [path for path in Path('/out').iterdir() if path.is_dir()]
    found = []
    for directory in dirs:
        if not directory.is_dir():
            continue
        link = Path(tempfile.mkdtemp()) / 'link'
        link.symlink_to(directory)
        found += [directory / 'result.json', Path('/proc/self/root' + str(directory)) / 'result.json',
                  link / 'result.json']
    return found
"""

ATTACKS = {
    "plain-open": "target.write_text(FORGED)",
    "shared-storage": """storage = torch.UntypedStorage.from_file(str(target), True, len(FORGED))
view = torch.empty(0, dtype=torch.uint8).set_(storage)
view.copy_(torch.tensor(list(FORGED.encode()), dtype=torch.uint8))""",
    "exporter": """with torch.profiler.profile() as profile:
    torch.ones(2).sum()
profile.export_chrome_trace(str(target))""",
}

# How a forging reward ends: with an error, so the runner reports it, or at once, before the runner can.
ENDINGS = {"raises": "raise RuntimeError('attempted: ' + '; '.join(done))", "exits": "os._exit(0)"}


def _forger(attack: str, ending: str) -> str:
    body = "\n".join("            " + line for line in ATTACKS[attack].splitlines())
    return (
        _HEADER
        + f"""

def compute_reward(pole_angle):
    done = []
    for target in _targets():
        try:
{body}
            done.append(f'{{target}}: written')
        except Exception as error:
            done.append(f'{{target}}: {{type(error).__name__}}')
    {ENDINGS[ending]}
"""
    )


# The report's own descriptor, found among the process's open files: written, it is rewritten by the
# runner's report.
REPORT_DESCRIPTOR = (
    _HEADER
    + """

def compute_reward(pole_angle):
    wrote = 0
    for name in os.listdir('/proc/self/fd'):
        try:
            if 'memfd:' not in os.readlink(f'/proc/self/fd/{name}'):
                continue
        except OSError:
            continue  # the listing's own descriptor, closed since
        with open(f'/proc/self/fd/{name}', 'w') as handle:
            handle.write(FORGED)
        wrote += 1
    raise RuntimeError(f'attempted: wrote {wrote} report')
"""
)


# Exceptions that are not Exception subclasses, each thrown by reward code; every one must end typed.
NON_EXCEPTIONS = {
    "system-exit": "raise SystemExit(0)",
    "keyboard-interrupt": "raise KeyboardInterrupt",
    "base-exception": "raise BaseException('stop')",
    "custom-base-exception": "class Stop(BaseException):\n        pass\n    raise Stop()",
    "generator-exit": "def g():\n        yield 1\n    gen = g()\n    next(gen)\n    gen.throw(GeneratorExit)",
    "system-exit-in-generator-finally": (
        "def g():\n        try:\n            yield 1\n        finally:\n            raise SystemExit(0)\n"
        "    gen = g()\n    next(gen)\n    gen.close()"
    ),
}


def _raiser(body: str) -> str:
    return (
        f"import torch\n\n\ndef compute_reward(pole_angle):\n    {body}\n    return pole_angle, {{'a': pole_angle}}\n"
    )


def _cases() -> dict[str, str]:
    cases = {f"{attack}-{ending}": _forger(attack, ending) for attack in ATTACKS for ending in ENDINGS}
    cases["report-descriptor-raises"] = REPORT_DESCRIPTOR
    cases.update({name: _raiser(body) for name, body in NON_EXCEPTIONS.items()})
    return cases


CASES = _cases()


@dataclass
class Ran:
    result: SandboxResult
    on_disk: str


@pytest.fixture(scope="module", params=["none", "bwrap", "docker"])
def ran(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Ran]]:
    root = tmp_path_factory.mktemp(f"report-{request.param}")
    scratch = root / "scratch"
    scratch.mkdir()
    sandbox = ProcessSandbox(scratch_root=scratch) if request.param == "none" else open_backend(request.param, scratch)

    def run(name: str) -> tuple[str, Ran]:
        job = SandboxJob(id=f"report-{name}", job=VerifyJob(task="cartpole"), limits=LIMITS)
        job_dir = prepare_job(job, CASES[name].replace("__JOB_ID__", job.id), root / name / "job")
        out_dir = root / name / "out"
        result = sandbox.run(job, job_dir, out_dir)
        path = out_dir / RESULT_FILE
        return name, Ran(result, path.read_text(errors="replace") if path.is_file() else "")

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            yield dict(pool.map(run, CASES))
    finally:
        close_sandbox(sandbox)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_forged_result_never_reaches_the_host_when_the_reward_raises(ran: dict[str, Ran], attack: str) -> None:
    seen = ran[f"{attack}-raises"]
    failure = seen.result.failure
    assert failure is not None and failure.kind == "runtime_error", seen.result
    # The runner's own report: the reward's error, with what each write attempt met.
    assert "attempted:" in failure.message and FORGED not in failure.message
    assert FORGED not in seen.on_disk and json.loads(seen.on_disk)["job_id"] == seen.result.job_id


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_forged_result_never_reaches_the_host_when_the_reward_exits_at_once(ran: dict[str, Ran], attack: str) -> None:
    seen = ran[f"{attack}-exits"]
    failure = seen.result.failure
    assert failure is not None and failure.kind == "invalid_result", seen.result
    assert FORGED not in failure.message and FORGED not in seen.on_disk


def test_a_report_written_through_its_descriptor_is_replaced_by_the_runners(ran: dict[str, Ran]) -> None:
    seen = ran["report-descriptor-raises"]
    failure = seen.result.failure
    assert failure is not None and failure.kind == "runtime_error", seen.result
    assert "attempted: wrote 1 report" in failure.message, failure.message
    assert FORGED not in seen.on_disk


@pytest.mark.parametrize("name", sorted(NON_EXCEPTIONS))
def test_a_base_exception_from_reward_code_ends_as_a_typed_failure(ran: dict[str, Ran], name: str) -> None:
    result = ran[name].result
    assert not result.ok and result.exit_code == 0, result
    assert result.failure is not None and result.failure.kind == "runtime_error", result.failure


# ---- deliver(), on its own ------------------------------------------------------------------------


@pytest.fixture
def report() -> Iterator[int]:
    fd = open_report()
    yield fd
    os.close(fd)


@pytest.mark.parametrize("planted", ["file", "link", "directory"])
def test_deliver_replaces_whatever_the_job_left_under_the_name(tmp_path: Path, report: int, planted: str) -> None:
    target, elsewhere = tmp_path / RESULT_FILE, tmp_path / "elsewhere"
    elsewhere.write_text("untouched")
    if planted == "file":
        target.write_text(FORGED)
    elif planted == "link":
        target.symlink_to(elsewhere)
    else:
        (target / "inner").mkdir(parents=True)
    os.write(report, b'{"genuine": true}')
    assert deliver(report, tmp_path, 1024) is None
    assert target.is_file() and not target.is_symlink() and target.read_text() == '{"genuine": true}'
    assert elsewhere.read_text() == "untouched"


def test_an_empty_report_leaves_no_result(tmp_path: Path, report: int) -> None:
    (tmp_path / RESULT_FILE).write_text(FORGED)
    assert deliver(report, tmp_path, 1024) is None
    assert not (tmp_path / RESULT_FILE).exists()


def test_an_oversized_report_is_cut_just_past_the_limit(tmp_path: Path, report: int) -> None:
    os.write(report, b"x" * 5000)
    deliver(report, tmp_path, 4096)
    assert (tmp_path / RESULT_FILE).stat().st_size == 4097
