"""Bad input found by trying the command line as a careful user and a hostile tester would: each gives one
line that says what to do, and a non-zero exit status where the command did not do its job."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rewardsmith.loop.record import RunRecord
from rewardsmith.rewards.files import MAX_REWARD_FILE_BYTES
from tests.cli.test_app import assert_one_line_error, rewardsmith
from tests.llm.scripted_server import ScriptedServer

QUICK = ["--iterations", "1", "--samples", "1", "--steps", "2048", "--final-seeds", "0", "--no-gate-pool"]
QUICK_UNISOLATED = [*QUICK, "--sandbox", "none"]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("finished")
    result = rewardsmith("design", "cartpole", *QUICK_UNISOLATED, "--out", str(out))
    assert result.returncode == 0, result.stderr
    return next(out.iterdir())


def copy_of(run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / run.name
    shutil.copytree(run, copy)
    return copy


@pytest.mark.parametrize("device", ["meta", "nonsense", "cuda:x"])
def test_a_device_that_cannot_train_is_refused_before_anything_starts(tmp_path: Path, device: str) -> None:
    for command in (["design", "cartpole"], ["train", "cartpole"]):
        result = rewardsmith(*command, "--device", device, "--out", str(tmp_path))
        assert_one_line_error(result, "--device", "'cpu', 'cuda', 'cuda:N' or 'auto'")
    assert not any(tmp_path.iterdir())


def test_a_target_fitness_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    assert_one_line_error(
        rewardsmith("design", "cartpole", "--target-fitness", "nan", "--out", str(tmp_path)), "--target-fitness"
    )


def test_an_out_where_no_directory_can_be_made(tmp_path: Path) -> None:
    result = rewardsmith("design", "cartpole", *QUICK_UNISOLATED, "--out", "/proc/rewardsmith-test")
    assert_one_line_error(result, "cannot create a run directory under '/proc/rewardsmith-test'", "--out")


def test_a_huge_seed_reward_is_refused_before_the_run_exists(tmp_path: Path) -> None:
    huge = tmp_path / "huge.py"
    huge.write_text("# " + "x" * MAX_REWARD_FILE_BYTES + "\n")
    out = tmp_path / "runs"
    result = rewardsmith("design", "cartpole", *QUICK_UNISOLATED, "--seed-reward", str(huge), "--out", str(out))
    assert_one_line_error(result, "--seed-reward", "reward code is at most")
    assert not out.exists() or not any(out.iterdir())


def test_train_refuses_a_binary_and_makes_no_run_folder(tmp_path: Path) -> None:
    assert_one_line_error(rewardsmith("train", "cartpole", "--reward", "/bin/ls", "--out", str(tmp_path)), "UTF-8")
    assert not any(tmp_path.iterdir())


def test_train_says_the_steps_it_will_really_train(tmp_path: Path) -> None:
    result = rewardsmith("train", "cartpole", "--steps", "1", "--sandbox", "none", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "for 4,096 steps (1 asked, in whole PPO updates)" in result.stdout
    assert "4,096 steps in" in result.stdout


def test_a_damaged_status_names_itself_and_resume_recovers_once_it_is_deleted(
    finished_run: Path, tmp_path: Path
) -> None:
    run = copy_of(finished_run, tmp_path)
    status = next((run / "candidates").iterdir()) / "status.json"
    status.write_text("{}")
    (run / "summary.json").unlink()  # an unfinished run, which resume must walk through
    for command in ("show", "resume"):
        assert_one_line_error(rewardsmith(command, str(run)), str(status), "delete it and resume")
    status.unlink()
    resumed = rewardsmith("resume", str(run))
    assert resumed.returncode == 0, resumed.stderr
    assert RunRecord.open(run).statuses()[0].stage == "trained"


def test_a_damaged_summary_does_not_block_show_and_resume_writes_it_again(finished_run: Path, tmp_path: Path) -> None:
    run = copy_of(finished_run, tmp_path)
    (run / "summary.json").write_text('{"run_id": ')
    shown = rewardsmith("show", str(run))
    assert shown.returncode == 0 and "summary.json is damaged" in shown.stderr and "i01-c00" in shown.stdout
    assert_one_line_error(rewardsmith("resume", str(run)), "summary.json", "delete it and resume")
    (run / "summary.json").unlink()
    resumed = rewardsmith("resume", str(run))
    assert resumed.returncode == 0, resumed.stderr
    assert RunRecord.open(run).summary() is not None


def test_feedback_for_a_run_that_is_not_paused_is_refused(finished_run: Path, tmp_path: Path) -> None:
    run = copy_of(finished_run, tmp_path)
    assert_one_line_error(rewardsmith("resume", str(run), "--feedback", "more effort"), "not paused for review")


def test_a_run_whose_task_file_is_gone_says_to_restore_it(tmp_path: Path) -> None:
    task_file = tmp_path / "my_task.py"
    builtin = Path(__file__).resolve().parents[2] / "rewardsmith" / "tasks" / "builtin" / "cartpole.py"
    task_file.write_text(builtin.read_text())
    out = tmp_path / "runs"
    result = rewardsmith("design", f"{task_file}:CartPole", *QUICK_UNISOLATED, "--out", str(out))
    assert result.returncode == 0, result.stderr
    task_file.unlink()
    assert_one_line_error(rewardsmith("resume", str(next(out.iterdir()))), "restore the file")


@pytest.mark.parametrize(
    ("llm", "fragment"),
    [
        ("hf:/nonexistent/rewardsmith-model", "cannot load the model"),
        ("openai-compatible:m@http://127.0.0.1:9/v1", "nothing answers at 127.0.0.1:9"),
    ],
)
def test_a_model_that_cannot_answer_is_found_before_the_run_exists(tmp_path: Path, llm: str, fragment: str) -> None:
    out = tmp_path / "runs"
    result = rewardsmith("design", "cartpole", *QUICK_UNISOLATED, "--llm", llm, "--out", str(out))
    assert_one_line_error(result, fragment)
    assert not out.exists() or not any(out.iterdir())


def test_a_run_in_which_every_llm_call_failed_exits_non_zero(tmp_path: Path) -> None:
    with ScriptedServer() as server:  # nothing scripted: every call gets a 500
        result = rewardsmith(
            "design",
            "cartpole",
            *QUICK_UNISOLATED,
            "--critic-repairs",
            "0",
            "--llm",
            f"openai-compatible:m@{server.url}",
            "--out",
            str(tmp_path),
        )
    assert result.returncode == 1, result.stderr
    assert "every one of the run's" in result.stderr and "LLM calls failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_one_process_owns_a_run(tmp_path: Path) -> None:
    design = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rewardsmith",
            "design",
            "cartpole",
            *QUICK_UNISOLATED,
            "--steps",
            "300000",
            "--out",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob("*/events.jsonl")) and time.monotonic() < deadline:
            time.sleep(0.1)
        run = next(tmp_path.iterdir())
        second = rewardsmith("resume", str(run))
        assert_one_line_error(second, "is in use", f"pid {design.pid}", "(design")
        shown = rewardsmith("show", str(run))
        assert shown.returncode == 0 and f"the run is live: pid {design.pid}" in shown.stdout
        assert design.wait(timeout=300) == 0, design.stderr.read() if design.stderr else ""
    finally:
        if design.poll() is None:
            os.killpg(design.pid, signal.SIGKILL)
    events = [e["event"] for e in RunRecord(run).events()]
    assert events.count("finished") == 1 and "run_resumed" not in events
    # The lock is free again: a resume of the finished run now runs and finds nothing to do.
    again = rewardsmith("resume", str(run))
    assert again.returncode == 0, again.stderr


def test_a_stale_lock_of_a_killed_process_is_taken_over(finished_run: Path, tmp_path: Path) -> None:
    run = copy_of(finished_run, tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from rewardsmith.loop.lock import RunLock\n"
            "with RunLock(Path(sys.argv[1]), 'design'):\n    print('held', flush=True); time.sleep(60)",
            str(run),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    assert_one_line_error(rewardsmith("resume", str(run)), "is in use")
    holder.kill()
    holder.wait(timeout=10)
    # The kernel released the lock with its holder; the description it left is simply overwritten.
    resumed = rewardsmith("resume", str(run))
    assert resumed.returncode == 0, resumed.stderr
