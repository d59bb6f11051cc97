"""Real jobs through the process backend: one per planted candidate, all run concurrently from threads.

Every case runs once, in a module fixture, from a pool of threads (as the design loop's parallel
branches will call the sandbox); the tests then check each outcome, and that nothing of any job was
left behind.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rewardsmith.sandbox import (
    RESULT_FILE,
    ProcessSandbox,
    SandboxJob,
    SandboxLimits,
    SandboxResult,
    TrainJob,
    VerifyJob,
    prepare_job,
)
from rewardsmith.sandbox.outputs import TrainOutput, VerifyOutput
from rewardsmith.sandbox.schema import MAX_FAILURE_CHARS
from rewardsmith.training import TrainConfig
from tests.sandbox import candidates as c
from tests.sandbox.backends import live_processes

VERIFY = VerifyJob(task="cartpole")
TINY = TrainConfig(
    steps=4096, num_envs=16, rollouts=16, checkpoints=2, eval_episodes=4, record_episodes=1, device="cpu"
)
TRAIN = TrainJob(task="cartpole", config=TINY)
# Generous: on 2 busy cores a job's start-up alone (importing torch) can take several seconds.
ROOMY = SandboxLimits(wall_time_s=120)
# 30 s, not less: the 23 jobs start together on 2 cores, and importing torch alone can then take 10 s or more.
SHORT_WALL_S = 30.0
GRACE_S = 2.0


@dataclass(frozen=True)
class Case:
    code: str
    job: VerifyJob | TrainJob
    limits: SandboxLimits = ROOMY


# Slow cases first, so that they overlap with the quick ones.
CASES: dict[str, Case] = {
    "verify-infinite-loop": Case(c.INFINITE_LOOP, VERIFY, SandboxLimits(wall_time_s=SHORT_WALL_S)),
    # Longer: it must get through start-up, verification and 150 training steps before it loops.
    "train-infinite-loop-later": Case(c.INFINITE_LOOP_LATER, TRAIN, SandboxLimits(wall_time_s=SHORT_WALL_S + 4)),
    "verify-cpu-limit": Case(c.INFINITE_LOOP, VERIFY, SandboxLimits(wall_time_s=60, cpu_time_s=4)),
    "train-good": Case(c.GOOD, TRAIN),
    "verify-good": Case(c.GOOD, VERIFY),
    "verify-syntax-error": Case(c.SYNTAX_ERROR, VERIFY),
    "verify-unknown-variable": Case(c.UNKNOWN_VARIABLE, VERIFY),
    "verify-nan": Case(c.NAN, VERIFY),
    "verify-huge-allocation": Case(c.HUGE_ALLOCATION, VERIFY),
    "verify-abort": Case(c.ABORT, VERIFY),
    "verify-sys-exit": Case(c.SYS_EXIT, VERIFY),
    "verify-os-exit": Case(c.OS_EXIT, VERIFY),
    "verify-forged-result": Case(c.FORGED_RESULT, VERIFY),
    "verify-huge-result": Case(c.HUGE_RESULT_THEN_EXIT, VERIFY),
    "verify-print-flood": Case(c.PRINT_FLOOD, VERIFY),
    "verify-raw-write-flood": Case(c.RAW_WRITE_FLOOD, VERIFY, SandboxLimits(wall_time_s=120, file_size_mb=16)),
    "verify-strays": Case(c.STRAYS, VERIFY),
    "train-syntax-error": Case(c.SYNTAX_ERROR, TRAIN),
    "train-nan-later": Case(c.NAN_LATER, TRAIN),
    "train-raise-later": Case(c.RAISE_LATER, TRAIN),
    "train-sys-exit-later": Case(c.SYS_EXIT_LATER, TRAIN),
    "train-huge-allocation-later": Case(c.HUGE_ALLOCATION_LATER, TRAIN),
    "train-nan-component-later": Case(c.NAN_COMPONENT_LATER, TRAIN),
}


@dataclass
class Outcome:
    result: SandboxResult
    out_dir: Path
    progress: list[tuple[int, int]] = field(default_factory=list)
    alive_in_group: list[str] = field(default_factory=list)
    scratch_left: list[str] = field(default_factory=list)


def _run_case(sandbox: ProcessSandbox, scratch: Path, name: str, case: Case, root: Path) -> Outcome:
    job = SandboxJob(id=name, job=case.job, limits=case.limits)
    job_dir = prepare_job(job, case.code, root / "job")
    progress: list[tuple[int, int]] = []
    result = sandbox.run(job, job_dir, root / "out", on_progress=lambda steps, total: progress.append((steps, total)))
    # Checked here, right as run() returns: that is when the job must already be gone.
    return Outcome(
        result=result,
        out_dir=root / "out",
        progress=progress,
        alive_in_group=_alive_in_group(result.pid),
        scratch_left=sorted(path.name for path in scratch.iterdir() if path.name.startswith(f"rewardsmith-{name}-")),
    )


class CancelledError(Exception):
    """Raised by a progress callback to cancel its job."""


@dataclass
class Cancellation:
    raised: BaseException | None
    scratch_left: list[str]
    result_written: bool
    alive: list[bytes]


def _cancel_a_run(sandbox: ProcessSandbox, scratch: Path, root: Path) -> Cancellation:
    def cancel(steps: int, total: int) -> None:
        raise CancelledError

    job = SandboxJob(id="cancelled", job=TRAIN, limits=ROOMY)
    job_dir = prepare_job(job, c.GOOD, root / "job")
    raised = None
    try:
        sandbox.run(job, job_dir, root / "out", on_progress=cancel)
    except CancelledError as error:
        raised = error
    return Cancellation(
        raised=raised,
        scratch_left=sorted(path.name for path in scratch.iterdir() if path.name.startswith("rewardsmith-cancelled-")),
        result_written=(root / "out" / RESULT_FILE).exists(),
        alive=[argv for _, state, _, _, argv in live_processes() if state != "Z" and str(job_dir).encode() in argv],
    )


@dataclass
class Runs:
    outcomes: dict[str, Outcome]
    cancellation: Cancellation
    scratch_left: list[str]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Every case, and a cancelled train job, all at once from a pool of threads sharing one sandbox."""
    root = tmp_path_factory.mktemp("sandbox")
    scratch = root / "scratch"
    sandbox = ProcessSandbox(scratch_root=scratch, term_grace_s=GRACE_S)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            name: pool.submit(_run_case, sandbox, scratch, name, case, root / name) for name, case in CASES.items()
        }
        cancelled = pool.submit(_cancel_a_run, sandbox, scratch, root / "cancelled")
        outcomes = {name: future.result() for name, future in futures.items()}
        cancellation = cancelled.result()
    return Runs(outcomes, cancellation, scratch_left=sorted(path.name for path in scratch.iterdir()))


@pytest.fixture(scope="module")
def outcomes(runs: Runs) -> dict[str, Outcome]:
    return runs.outcomes


@pytest.fixture(scope="module")
def cancellation(runs: Runs) -> Cancellation:
    return runs.cancellation


def _alive_in_group(pgid: int | None) -> list[str]:
    assert pgid is not None
    return [
        f"{pid} {state} {argv!r}"
        for pid, state, group, session, argv in live_processes()
        if state != "Z" and pgid in (group, session)
    ]


def _running(*argv: str) -> list[int]:
    wanted = b"\0".join(part.encode() for part in argv) + b"\0"
    return [pid for pid, state, _, _, args in live_processes() if state != "Z" and args == wanted]


# ---- after every case ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_nothing_of_the_job_outlives_it(outcomes: dict[str, Outcome], name: str) -> None:
    outcome = outcomes[name]
    assert outcome.alive_in_group == []
    assert outcome.scratch_left == []


@pytest.mark.parametrize("name", CASES)
def test_every_outcome_is_typed_and_fit_for_a_prompt(outcomes: dict[str, Outcome], name: str) -> None:
    result = outcomes[name].result
    assert result.job_id == name
    assert result.backend == "process"
    assert result.ok == (result.failure is None)
    assert len(result.log_tail) <= ROOMY.max_log_bytes
    if result.failure is not None:
        assert "Traceback" not in result.failure.message
        assert 0 < len(result.failure.message) <= MAX_FAILURE_CHARS


def test_concurrent_jobs_do_not_interfere(runs: Runs) -> None:
    outcomes = runs.outcomes
    assert runs.scratch_left == []
    assert len({outcome.result.pid for outcome in outcomes.values()}) == len(CASES)
    for name, outcome in outcomes.items():
        written = outcome.out_dir / RESULT_FILE
        if outcome.result.exit_code == 0 and written.is_file() and written.stat().st_size < 4096 * 1024:
            assert json.loads(written.read_text())["job_id"] == name


# ---- good candidates -----------------------------------------------------------------------------


def test_good_candidate_verifies(outcomes: dict[str, Outcome]) -> None:
    result = outcomes["verify-good"].result
    assert result.ok, result.failure
    verified = result.output_of(VerifyOutput)
    assert verified is not None and verified.verify.ok
    assert set(verified.verify.components) == {"alive", "upright", "centred"}
    assert result.exit_code == 0 and result.signal is None
    assert result.output_of(TrainOutput) is None


def test_good_candidate_trains_with_artefacts_and_progress(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["train-good"]
    result = outcome.result
    assert result.ok, (result.failure, result.log_tail)
    trained = result.output_of(TrainOutput)
    assert trained is not None
    assert trained.training.steps == 4096 and len(trained.training.checkpoints) == 2
    assert set(trained.training.component_stats) == {"alive", "upright", "centred"}
    assert (outcome.out_dir / "training.json").is_file()
    assert (outcome.out_dir / trained.training.policy_file).is_file()
    assert (outcome.out_dir / "episodes" / "checkpoint_01.npz").is_file()
    steps = [done for done, _ in outcome.progress]
    assert steps == sorted(steps) and len(steps) == 16
    assert outcome.progress[-1] == (4096, 4096)


# ---- planted bad candidates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "fragment"),
    [
        ("verify-syntax-error", "syntax_error", "line 2"),
        ("verify-unknown-variable", "unknown_state_variable", "pole_tip_height"),
        ("verify-nan", "non_finite", "log_angle"),
        ("verify-infinite-loop", "timeout", "wall-clock"),
        ("verify-cpu-limit", "timeout", "CPU-time"),
        ("verify-huge-allocation", "out_of_memory", "20.0 GiB"),
        ("verify-abort", "crashed", "SIGABRT"),
        ("verify-sys-exit", "runtime_error", "SystemExit: 3"),
        ("verify-os-exit", "crashed", "code 3"),
        # Written by path, it never reaches the host, which reads the runner's report: none, as the reward exited.
        ("verify-huge-result", "invalid_result", "no result.json"),
        ("verify-raw-write-flood", "runtime_error", "File too large"),
        ("train-syntax-error", "syntax_error", "line 2"),
        ("train-nan-later", "non_finite_reward", "NaN"),
        ("train-raise-later", "reward_runtime_error", "ValueError: the pole fell over"),
        ("train-sys-exit-later", "reward_runtime_error", "SystemExit: 3"),
        ("train-huge-allocation-later", "out_of_memory", "20.0 GiB"),
        ("train-infinite-loop-later", "timeout", "wall-clock"),
    ],
)
def test_bad_candidate_is_rejected_with_its_reason(
    outcomes: dict[str, Outcome], name: str, kind: str, fragment: str
) -> None:
    result = outcomes[name].result
    assert not result.ok
    assert result.failure is not None
    assert result.failure.kind == kind, (result.failure, result.log_tail)
    assert fragment in result.failure.message


@pytest.mark.parametrize("name", ["verify-infinite-loop", "train-infinite-loop-later"])
def test_infinite_loop_is_stopped_at_the_wall_limit(outcomes: dict[str, Outcome], name: str) -> None:
    result = outcomes[name].result
    limit = CASES[name].limits.wall_time_s
    assert limit <= result.wall_time_s <= limit + GRACE_S + 3


def test_a_stopped_job_names_the_line_it_was_stopped_at(outcomes: dict[str, Outcome]) -> None:
    # The runner turns the host's SIGTERM into an exception and finds the reward's frame in its traceback.
    failure = outcomes["verify-infinite-loop"].result.failure
    assert failure is not None and "line 2 | while True:" in failure.message


def test_training_failures_say_at_which_step(outcomes: dict[str, Outcome]) -> None:
    for name in ("train-nan-later", "train-raise-later", "train-huge-allocation-later"):
        failure = outcomes[name].result.failure
        assert failure is not None and failure.step is not None and failure.step > 0, name
    assert "line" in outcomes["train-raise-later"].result.failure.message


def test_a_component_turning_nan_in_training_is_a_typed_failure(outcomes: dict[str, Outcome]) -> None:
    # Components are checked like the total: a NaN one would poison every statistic built on it.
    result = outcomes["train-nan-component-later"].result
    assert not result.ok
    assert result.failure is not None and result.failure.kind == "non_finite_reward"


def test_abort_reports_the_signal(outcomes: dict[str, Outcome]) -> None:
    result = outcomes["verify-abort"].result
    assert result.signal == "SIGABRT" and result.exit_code is None


def test_forged_result_loses_to_the_runners_own(outcomes: dict[str, Outcome]) -> None:
    # The candidate wrote a valid-looking failure into result.json; the host writes it from the runner's report.
    result = outcomes["verify-forged-result"].result
    assert result.ok, result.failure
    verified = result.output_of(VerifyOutput)
    assert verified is not None and verified.verify.ok
    assert "FORGED" not in (outcomes["verify-forged-result"].out_dir / RESULT_FILE).read_text()


def test_printed_flood_is_capped_and_the_job_still_classified(outcomes: dict[str, Outcome]) -> None:
    result = outcomes["verify-print-flood"].result
    assert result.ok, result.failure
    assert "dropped" in result.log_tail
    assert len(result.log_tail) <= ROOMY.max_log_bytes


def test_processes_the_job_started_are_ended_even_outside_its_group(outcomes: dict[str, Outcome]) -> None:
    assert outcomes["verify-strays"].result.ok
    assert _running("sleep", c.STRAY_IN_GROUP) == []
    assert _running("sleep", c.STRAY_NEW_SESSION) == []


def test_a_raising_progress_callback_cancels_the_job(cancellation: Cancellation) -> None:
    assert isinstance(cancellation.raised, CancelledError)
    assert cancellation.scratch_left == []
    assert not cancellation.result_written
    assert cancellation.alive == []
