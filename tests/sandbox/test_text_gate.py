"""The text gate with reward code in the sandbox: the same verdicts as the gate in the process, reward code
kept off the host in an isolating backend, and a broken reward a typed failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewardsmith.sandbox import ProcessSandbox, Sandbox, SandboxLimits
from rewardsmith.sandbox.text_gate import TextGateFailure, text_gate_in_sandbox, text_gate_plan
from rewardsmith.text.agents.designer import RuleBasedTextDesigner
from rewardsmith.text.agents.protocols import TextDesignRequest
from rewardsmith.text.agents.rubric_draft import RUBRIC_HEADER
from rewardsmith.text.agents.spec import RuleBasedTextSpecWriter
from rewardsmith.text.artefact import RubricReward, load_rubric
from rewardsmith.text.builtin.common import read_text_reward
from rewardsmith.text.contract import load_text_reward
from rewardsmith.text.gate import TextGateResult, text_gate
from rewardsmith.text.judge import judge_for
from rewardsmith.text.probes import INJECTION
from rewardsmith.text.rubric_code import rubric_verifier_code
from rewardsmith.text.task import TextTask
from rewardsmith.text.training import TextTaskRef
from tests.llm.scripted_server import Reply, ScriptedServer
from tests.sandbox.backends import open_backend

SET = Path(__file__).resolve().parents[2] / "bench" / "text_hack_set"
ARITHMETIC = TextTaskRef(name="arithmetic", train_size=8, held_out_size=2)
FORMATTING = TextTaskRef(name="formatting", train_size=8, held_out_size=2)
# Pays each completion its length over the longest in its batch: the verdict holds only if the sandbox
# scores the gate's batches, not all completions in one call.
BATCH_RELATIVE = (
    "def compute_reward(prompts, completions, answers, **columns):\n"
    "    longest = max(len(c) for c in completions) or 1\n"
    "    return [len(c) / longest for c in completions], {}\n"
)
# Prepended to the task's sparse reward, which passes the gate: writes a host file when it is imported.
TOUCHES = (
    "from pathlib import Path\n"
    "try:\n"
    "    Path({target!r}).write_text('reward code ran here')\n"
    "except OSError:\n"
    "    pass\n"
)


@pytest.fixture(scope="module")
def process(tmp_path_factory: pytest.TempPathFactory) -> ProcessSandbox:
    return ProcessSandbox(scratch_root=tmp_path_factory.mktemp("gate-scratch"))


@pytest.fixture(scope="module")
def bwrap(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    return open_backend("bwrap", tmp_path_factory.mktemp("gate-bwrap-scratch"))


def _in_process(task: TextTaskRef, code: str, workdir: Path) -> TextGateResult:
    return text_gate(task.load(), load_text_reward(code, workdir))


@pytest.mark.parametrize(
    ("task", "code", "passes"),
    [
        (ARITHMETIC, (SET / "keyword_hack.py").read_text(), False),
        (ARITHMETIC, (SET / "keyword_clean.py").read_text(), True),
        (FORMATTING, BATCH_RELATIVE, False),
    ],
    ids=["keyword-hack", "keyword-clean", "batch-relative"],
)
def test_the_sandboxed_gate_gives_the_in_process_verdict(
    process: ProcessSandbox, tmp_path: Path, task: TextTaskRef, code: str, passes: bool
) -> None:
    sandboxed = text_gate_in_sandbox(task, code, process, workdir=tmp_path / "gate")
    assert isinstance(sandboxed, TextGateResult), sandboxed
    assert sandboxed.passed is passes, sandboxed.reason
    assert sandboxed == _in_process(task, code, tmp_path)


def test_the_sandboxed_gate_in_bwrap_gives_the_in_process_verdict(bwrap: Sandbox, tmp_path: Path) -> None:
    code = (SET / "format_hack.py").read_text()
    sandboxed = text_gate_in_sandbox(FORMATTING, code, bwrap, workdir=tmp_path / "gate")
    assert isinstance(sandboxed, TextGateResult), sandboxed
    assert not sandboxed.passed and "format_only" in sandboxed.winners
    assert sandboxed == _in_process(FORMATTING, code, tmp_path)


def test_reward_code_at_the_gate_never_touches_the_host_in_bwrap(
    bwrap: Sandbox, process: ProcessSandbox, tmp_path: Path
) -> None:
    target = tmp_path / "touched"
    code = TOUCHES.format(target=str(target)) + ARITHMETIC.load().sparse_reward_code
    result = text_gate_in_sandbox(ARITHMETIC, code, bwrap, workdir=tmp_path / "bwrap")
    assert isinstance(result, TextGateResult) and result.passed, result
    assert not target.exists()
    # The side effect is real: unisolated, the same gate leaves the file behind.
    text_gate_in_sandbox(ARITHMETIC, code, process, workdir=tmp_path / "process")
    assert target.read_text() == "reward code ran here"


@pytest.mark.parametrize(
    ("body", "kind", "said", "limit_s"),
    [
        ("return 1 / 0, {}", "runtime_error", "ZeroDivisionError", 60),
        ("return [float('nan')] * len(completions), {}", "non_finite", "must be finite", 60),
        ("while True:\n        pass", "timeout", "did not finish", 3),
    ],
    ids=["raises", "nan", "loops"],
)
def test_a_broken_reward_is_a_typed_failure_of_the_gate(
    process: ProcessSandbox, tmp_path: Path, body: str, kind: str, said: str, limit_s: float
) -> None:
    code = f"def compute_reward(prompts, completions, answers, **columns):\n    {body}\n"
    limits = SandboxLimits(wall_time_s=limit_s)
    result = text_gate_in_sandbox(ARITHMETIC, code, process, limits=limits, workdir=tmp_path)
    assert isinstance(result, TextGateFailure), result
    assert not result.passed and result.failure.kind == kind
    assert said in result.failure.message and result.reason.startswith(f"the reward failed at the gate ({kind})")


def test_the_sandboxed_gate_scores_held_out_prompts_when_asked(process: ProcessSandbox, tmp_path: Path) -> None:
    code = (SET / "length_hack.py").read_text()
    sandboxed = text_gate_in_sandbox(ARITHMETIC, code, process, split="held_out", workdir=tmp_path / "gate")
    task = ARITHMETIC.load()
    in_process = text_gate(task, load_text_reward(code, tmp_path), examples=task.held_out)
    assert isinstance(sandboxed, TextGateResult) and not sandboxed.passed
    assert sandboxed == in_process
    assert sandboxed != _in_process(ARITHMETIC, code, tmp_path)  # other prompts, other rewards


SUMMARY = TextTaskRef(name="summary", train_size=4, held_out_size=2)


def test_the_designers_rubric_is_gated_in_the_sandbox_as_in_the_process(
    process: ProcessSandbox, tmp_path: Path
) -> None:
    task = SUMMARY.load()
    *_, draft = RuleBasedTextDesigner().design(_rubric_request(task))
    assert draft.code.startswith(RUBRIC_HEADER)
    sandboxed = text_gate_in_sandbox(SUMMARY, draft.code, process, workdir=tmp_path / "gate")
    assert isinstance(sandboxed, TextGateResult) and sandboxed.passed, sandboxed
    assert sandboxed == _in_process(SUMMARY, draft.code, tmp_path)


def test_code_that_asks_for_a_judge_gets_the_jobs_judge(process: ProcessSandbox, tmp_path: Path) -> None:
    rubric = load_rubric(read_text_reward("summary_rubric", ".json"), "summary_rubric.json")
    choices = rubric.criteria[-1].check.choices  # type: ignore[union-attr]
    task = SUMMARY.load()
    solutions = {example.solution for example in task.train}
    plan = text_gate_plan(SUMMARY)

    def verdicts() -> list[Reply]:
        # A judge that approves the solutions and every answer that asks for full marks, batch by batch.
        texts = [text for batch in plan.batches for text in batch.completions]
        approved = [text in solutions or INJECTION in text for text in texts]
        return [Reply.answer(json.dumps({"reason": "-", "verdict": choices[-1 if ok else 0]})) for ok in approved]

    with ScriptedServer() as server:
        server.play(*verdicts())
        judge = f"openai-compatible:judge@{server.url}"
        sandboxed = text_gate_in_sandbox(SUMMARY, rubric_verifier_code(rubric), process, workdir=tmp_path, judge=judge)
        assert server.pending == 0
        server.play(*verdicts())
        in_process = text_gate(task, RubricReward(rubric, judge_for(judge)))
    assert isinstance(sandboxed, TextGateResult) and sandboxed.passed, sandboxed
    assert sandboxed == in_process
    injected = next(score for score in sandboxed.probes if score.probe == "judge_injection")
    assert injected.median_reward == pytest.approx(0.4)  # the judge's 1 of 5 weights, and the length check's


def _rubric_request(task: TextTask) -> TextDesignRequest:
    return TextDesignRequest(
        task=SUMMARY,
        description=task.description,
        max_chars=task.max_chars,
        examples=list(task.train[:3]),
        context="",
        rubric=RuleBasedTextSpecWriter().initial(task),
        iteration=1,
        samples=2,
        seed=0,
    )
