"""The text job kinds through real backends: a tiny GRPO run in Docker, text verification, and the text
contract's typed failures. The same GRPO run through the process backend is the CLI's test
(``tests/cli/test_train_text.py``), which reaches it with ``--sandbox none``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rewardsmith.sandbox import (
    ProcessSandbox,
    Sandbox,
    SandboxJob,
    SandboxLimits,
    SandboxResult,
    TextTrainJob,
    TextVerifyJob,
    TextVerifyOutput,
    prepare_job,
)
from rewardsmith.text.artefact import load_rubric
from rewardsmith.text.builtin.common import read_text_reward
from rewardsmith.text.rubric import TextRubric
from rewardsmith.text.training import TextTaskRef
from rewardsmith.text.verify import TextCompletion
from tests.sandbox.backends import open_backend
from tests.sandbox.text_runs import TASK, TINY, TRAIN_LIMITS, check_tiny_run

VERIFY_LIMITS = SandboxLimits(wall_time_s=60)

RAISES = "def compute_reward(prompts, completions, answers, **columns):\n    return 1 / 0, {}\n"
NAN = (
    "def compute_reward(prompts, completions, answers, **columns):\n    return [float('nan')] * len(completions), {}\n"
)
SHORT = "def compute_reward(prompts, completions, answers, **columns):\n    return [1.0], {}\n"


def _run(sandbox: Sandbox, root: Path, name: str, code: str, spec: object, limits: SandboxLimits) -> SandboxResult:
    job = SandboxJob(id=name, job=spec, limits=limits)
    return sandbox.run(job, prepare_job(job, code, root / name / "job"), root / name / "out")


@pytest.fixture(scope="module")
def process(tmp_path_factory: pytest.TempPathFactory) -> ProcessSandbox:
    return ProcessSandbox(scratch_root=tmp_path_factory.mktemp("text-scratch"))


@pytest.fixture(scope="module")
def docker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    backend = open_backend("docker", tmp_path_factory.mktemp("text-docker-scratch"))
    yield backend
    backend.close()


def test_a_tiny_grpo_run_in_docker(docker: Sandbox, tmp_path: Path) -> None:
    task = TASK.load()
    assert task.reference_reward_code is not None
    progress: list[tuple[int, int]] = []
    job = SandboxJob(id="grpo-docker", job=TextTrainJob(task=TASK, config=TINY), limits=TRAIN_LIMITS)
    job_dir = prepare_job(job, task.reference_reward_code, tmp_path / "job")
    result = docker.run(job, job_dir, tmp_path / "out", on_progress=lambda done, total: progress.append((done, total)))
    assert result.backend == "docker"
    check_tiny_run(result)
    assert progress[-1] == (1, 1)


def test_text_verify_scores_solutions_and_samples(process: ProcessSandbox, tmp_path: Path) -> None:
    task = TextTaskRef(name="formatting", train_size=4, held_out_size=1)
    made = task.load()
    code = made.reference_reward_code
    assert code is not None and made.train[1].answer is not None
    wrong = made.train[1].solution.replace(made.train[1].answer, str(int(made.train[1].answer) + 1))
    samples = [TextCompletion(example=0, text="no idea"), TextCompletion(example=1, text=wrong)]
    spec = TextVerifyJob(task=task, samples=samples)
    result = _run(process, tmp_path, "text-verify", code, spec, VERIFY_LIMITS)
    assert result.ok, result.failure
    output = result.output_of(TextVerifyOutput)
    assert output is not None
    verify = output.verify
    assert verify.sources == ["solution"] * 4 + ["sample"] * 2
    assert verify.examples == [0, 1, 2, 3, 0, 1]
    # Solutions earn the correct answer and the format; a wrong sum in form only the format; prose nothing.
    assert verify.rewards == [1.1, 1.1, 1.1, 1.1, 0.0, pytest.approx(0.1)]
    assert verify.components["correct"] == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    assert verify.mean("solution") == pytest.approx(1.1)


@pytest.mark.parametrize(
    ("code", "kind", "said"),
    [
        (RAISES, "runtime_error", "ZeroDivisionError"),
        (NAN, "non_finite", "must be finite"),
        (SHORT, "wrong_shape", "1 values for 2 completions"),
        ("def compute_reward(state):\n    return 0\n", "bad_signature", "prompts, completions, answers"),
    ],
)
def test_a_broken_text_reward_fails_the_train_job_with_its_kind(
    process: ProcessSandbox, tmp_path: Path, code: str, kind: str, said: str
) -> None:
    # The train job scores the task's solutions first, so a broken reward fails before the model loads.
    spec = TextTrainJob(task=TASK, config=TINY)
    result = _run(process, tmp_path, f"broken-{kind}", code, spec, TRAIN_LIMITS)
    assert not result.ok and result.failure is not None
    assert result.failure.kind == kind, result.failure
    assert said in result.failure.message
    assert result.wall_time_s < 60


def test_a_text_verify_job_that_loops_is_a_timeout(process: ProcessSandbox, tmp_path: Path) -> None:
    code = "def compute_reward(prompts, completions, answers, **columns):\n    while True:\n        pass\n"
    spec = TextVerifyJob(task=TASK)
    result = _run(process, tmp_path, "text-loop", code, spec, SandboxLimits(wall_time_s=5))
    assert not result.ok and result.failure is not None
    assert result.failure.kind == "timeout"
    assert result.failure.message.startswith("Verification did not finish")
    assert "while True" in result.failure.message and "batch of strings" in result.failure.message


def test_text_verify_runs_in_bwrap(tmp_path: Path) -> None:
    # bwrap mounts a control task's file; a text job names a built-in task, which needs no mount.
    sandbox = open_backend("bwrap", tmp_path / "scratch")
    code = TASK.load().reference_reward_code
    assert code is not None
    result = _run(sandbox, tmp_path, "text-verify-bwrap", code, TextVerifyJob(task=TASK), VERIFY_LIMITS)
    assert result.ok, (result.failure, result.log_tail[-2000:])
    assert result.backend == "bwrap"
    output = result.output_of(TextVerifyOutput)
    assert output is not None and output.verify.rewards == [1.1, 1.1]


def test_a_rubric_file_is_scored_in_the_job_as_on_the_host(process: ProcessSandbox, tmp_path: Path) -> None:
    # A rubric travels as reward.json and the job loads it as one; its verdicts are those of TextRubric.score.
    task = TextTaskRef(name="summary", train_size=4, held_out_size=1)
    rubric = load_rubric(read_text_reward("summary_rubric", ".json"), "summary_rubric.json")
    machine = TextRubric(criteria=[c for c in rubric.criteria if c.check.kind != "judge"])
    samples = [TextCompletion(example=0, text="no idea"), TextCompletion(example=1, text=task.load().train[1].prompt)]
    job = SandboxJob(id="rubric", job=TextVerifyJob(task=task, samples=samples), limits=VERIFY_LIMITS)
    job = job.model_copy(update={"reward_file": "reward.json"})
    result = process.run(job, prepare_job(job, machine.model_dump_json(), tmp_path / "job"), tmp_path / "out")
    output = result.output_of(TextVerifyOutput)
    assert result.ok and output is not None, result.failure
    made = task.load()
    examples = [*made.train, made.train[0], made.train[1]]
    texts = [*(e.solution for e in made.train), *(s.text for s in samples)]
    expected = machine.score([e.prompt for e in examples], texts, [e.answer for e in examples], made.columns(examples))
    assert output.verify.rewards == expected.rewards and output.verify.components == expected.components
