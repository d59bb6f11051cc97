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
