"""``rewardsmith export``: a text reward file for a trainer, and its prompts beside it (the refusals are tested
in-process, in tests/text/test_export.py)."""

from __future__ import annotations

import json
from pathlib import Path

from rewardsmith.text import load_text_task
from rewardsmith.text.builtin.common import read_text_reward
from tests.cli.test_app import rewardsmith


def test_export_writes_the_trainer_file_and_the_tasks_prompts(tmp_path: Path) -> None:
    reward = tmp_path / "reward.py"
    reward.write_text(read_text_reward("formatting_reference"))
    result = rewardsmith("export", str(reward), "--to", "openrlhf", "--task", "formatting")
    assert result.returncode == 0, result.stderr
    exported = tmp_path / "reward_openrlhf.py"
    assert "def reward_func(queries, prompts, labels" in exported.read_text()
    rows = [json.loads(line) for line in exported.with_suffix(".train.jsonl").read_text().splitlines()]
    task = load_text_task("formatting")
    assert [row["prompt"] for row in rows] == [example.prompt for example in task.train]
    assert json.loads(rows[0]["label"])["columns"]["format"] == task.train[0].info["format"]


def test_export_writes_a_rubric_of_machine_checks_and_refuses_a_judge(tmp_path: Path) -> None:
    rubric = json.loads(read_text_reward("summary_rubric", ".json"))
    machine = tmp_path / "machine.json"
    machine.write_text(json.dumps({"criteria": [c for c in rubric["criteria"] if c["check"]["kind"] != "judge"]}))
    result = rewardsmith("export", str(machine), "--to", "verifiers")
    assert result.returncode == 0, result.stderr
    assert "async def rewardsmith_reward(task, trace)" in (tmp_path / "machine_verifiers.py").read_text()

    judged = tmp_path / "judged.json"
    judged.write_text(json.dumps(rubric))
    result = rewardsmith("export", str(judged), "--to", "trl")
    assert result.returncode == 2
    assert result.stderr.startswith("error: the rubric's judge criteria (faithful) need a model at training time")
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "judged_trl.py").exists()
