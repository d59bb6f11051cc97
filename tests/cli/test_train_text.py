"""`rewardsmith train-text`: GRPO on a built-in text task in the sandbox, and one-line errors for bad input."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from rewardsmith.cli.train_text import FINDINGS, FINDINGS_FILE
from rewardsmith.sandbox import SandboxResult, TextTrainOutput
from rewardsmith.text.detectors import TextObserved, detect_text_hacking
from rewardsmith.text.rubric import TextRubric
from rewardsmith.text.rubric_code import rubric_verifier_code
from tests.cli.test_app import assert_one_line_error, rewardsmith
from tests.llm.scripted_server import Reply, ScriptedServer
from tests.sandbox.text_runs import TASK, TINY

JUDGED_RUBRIC = {
    "criteria": [
        {"id": "tagged", "text": "the answer is in tags", "weight": 1.0, "check": {"kind": "format", "format": "tags"}},
        {
            "id": "correct",
            "text": "the judge finds the answer correct",
            "weight": 3.0,
            "check": {"kind": "judge", "question": "Is the answer correct?", "choices": ["wrong", "right"]},
        },
    ]
}


def test_a_tiny_grpo_run_of_code_asking_for_a_judge_prints_its_curve_and_the_judges_verdicts(tmp_path: Path) -> None:
    # The rubric's verifier code, which asks for a judge: the form a rubric takes in the design loop.
    reward = tmp_path / "judged.py"
    reward.write_text(rubric_verifier_code(TextRubric.model_validate(JUDGED_RUBRIC)))
    # Four held-out prompts, so that the last evaluation holds enough verdicts to read (MIN_JUDGED).
    sizes = ["--train-size", str(TASK.train_size), "--held-out-size", "4", "--held-out", "4"]
    settings = [
        "--steps", str(TINY.steps), "--batch-size", str(TINY.batch_size), "--generations", str(TINY.generations),
        "--max-completion-tokens", str(TINY.max_completion_tokens), "--eval-every", str(TINY.eval_every),
    ]  # fmt: skip
    command = [sys.executable, "-m", "rewardsmith", "train-text", TASK.name, *sizes, *settings, "--reward", str(reward)]
    command += ["--sandbox", "none", "--threads", "2", "--job-timeout-s", "300", "--out", str(tmp_path / "runs")]
    with ScriptedServer() as server:
        # A judge that pays everything: what a judge open to injection becomes once a policy finds the words.
        server.play(*[Reply.answer(json.dumps({"reason": "fine", "verdict": "right"}))] * 16)
        command += ["--judge", f"openai-compatible:judge@{server.url}"]
        # Wide enough that the curve's table is not wrapped.
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=420, env={**os.environ, "COLUMNS": "200"}
        )
        # The two solutions before training, the untrained and trained policy's held-out answers (four each),
        # and the one step's two sampled completions: each judged once, through the job's judge.
        assert len(server.requests) == 12, finished.stderr[-3000:]
    assert finished.returncode == 0, finished.stderr[-3000:]
    (run_dir,) = (tmp_path / "runs").iterdir()
    result = SandboxResult.model_validate_json((run_dir / "result.json").read_text())
    assert result.backend == "process"
    output = result.output_of(TextTrainOutput)
    assert result.ok and output is not None, result.failure
    training = output.training
    assert [point.step for point in training.curve] == [0, 1] and [step.step for step in training.steps] == [1]
    assert set(training.curve[-1].train_components) == {"tagged", "correct"}
    assert "held-out fitness" in finished.stdout
    assert f"untrained {training.curve[0].held_out_fitness:.3f}" in finished.stdout
    assert (run_dir / "config.json").is_file()
    # Each verdict on a held-out completion, beside the checker's fitness of the same completion.
    last = training.curve[-1]
    assert [(j.criterion, j.judge_score) for j in last.judged] == [("Is the answer correct?", 1.0)] * 4
    assert statistics.fmean(j.fitness for j in last.judged) == last.held_out_fitness
    # The text detectors read the same curve; whatever they found is in the record and on the screen.
    findings = FINDINGS.validate_json((run_dir / FINDINGS_FILE).read_text())
    competent = statistics.median(output.verify.rewards)
    seen = TextObserved(result=training, max_chars=TASK.load().max_chars, competent_reward=competent)
    assert findings == detect_text_hacking(seen)
    assert all(f"{finding.kind}:" in finished.stdout for finding in findings)
    # Eight tokens of a 135M policy after one step answer no prompt right (greedy, so always the same): the
    # judge paid in full what the checker failed, the disagreement the detector names.
    assert last.held_out_fitness == 0.0
    assert "judge_checker_disagreement" in {finding.kind for finding in findings}


def test_an_unknown_text_task_is_a_one_line_error(tmp_path: Path) -> None:
    result = rewardsmith("train-text", "no_such_task", "--out", str(tmp_path))
    assert_one_line_error(result, "unknown text task 'no_such_task'", "formatting")
    assert not any(tmp_path.iterdir())


def test_a_broken_reward_file_is_a_one_line_error_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    broken = tmp_path / "broken.py"
    broken.write_text(f"open({str(marker)!r}, 'w')\ndef compute_reward(prompts, completions, answers:\n    pass\n")
    result = rewardsmith("train-text", "formatting", "--reward", str(broken), "--out", str(tmp_path / "runs"))
    assert_one_line_error(result, "--reward", "SyntaxError")
    wrong = tmp_path / "wrong.py"
    wrong.write_text(f"open({str(marker)!r}, 'w')\ndef compute_reward(completions):\n    return [], {{}}\n")
    result = rewardsmith("train-text", "formatting", "--reward", str(wrong), "--out", str(tmp_path / "runs"))
    assert_one_line_error(result, "its first parameters must be prompts, completions, answers")
    # The host only parses a reward file; its code runs in the sandbox, and these never got there.
    assert not marker.exists()
    assert not (tmp_path / "runs").exists()


def test_a_malformed_rubric_or_judge_is_a_one_line_error(tmp_path: Path) -> None:
    rubric = tmp_path / "rubric.json"
    rubric.write_text(json.dumps({"criteria": [{"id": "x", "text": "x", "weight": 0, "check": {"kind": "length"}}]}))
    result = rewardsmith("train-text", "formatting", "--reward", str(rubric), "--out", str(tmp_path / "runs"))
    assert_one_line_error(result, "invalid rubric at 'criteria.0.weight'")
    rubric.write_text(json.dumps(JUDGED_RUBRIC))
    result = rewardsmith(
        "train-text", "formatting", "--reward", str(rubric), "--judge", "offline", "--out", str(tmp_path / "runs")
    )
    assert_one_line_error(result, "a judge must be a model")
    assert not (tmp_path / "runs").exists()
