"""Text reward files: verifier code (.py) and rubrics (.json) load as one callable; bad files are one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.rewards.files import RewardFileError
from rewardsmith.text.artefact import ArtefactError, RubricReward, load_text_artefact
from rewardsmith.text.contract import TextReward

RUBRIC = '{"criteria": [{"id": "short", "text": "short", "weight": 1, "check": {"kind": "length", "max_chars": 5}}]}'


def test_code_and_rubric_files_load_and_score_alike(tmp_path: Path) -> None:
    code = tmp_path / "reward.py"
    code.write_text(
        "def compute_reward(prompts, completions, answers):\n    return [float(len(c) <= 5) for c in completions], {}\n"
    )
    rubric = tmp_path / "rubric.json"
    rubric.write_text(RUBRIC)
    loaded_code = load_text_artefact(code, tmp_path / "work")
    loaded_rubric = load_text_artefact(rubric, tmp_path / "work")
    assert isinstance(loaded_code, TextReward) and isinstance(loaded_rubric, RubricReward)
    batch = (["p", "p"], ["short", "far too long"], [None, None])
    assert loaded_code(*batch).rewards == loaded_rubric(*batch).rewards == [1.0, 0.0]


@pytest.mark.parametrize(
    ("name", "text", "error", "fragment"),
    [
        ("r.json", "{not json", ArtefactError, "not JSON"),
        ("r.json", '{"criteria": [{"id": "a", "text": "t", "weight": -1, "check": {"kind": "length"}}]}',
         ArtefactError, "invalid rubric at 'criteria.0.weight'"),
        ("r.json", '{"criteria": [{"id": "a", "text": "t", "weight": 1, '
                   '"check": {"kind": "judge", "question": "q?", "choices": ["no", "yes"]}}]}',
         ArtefactError, "give it a judge"),
        ("r.txt", "anything", ArtefactError, "a .py file"),
        ("missing.py", None, RewardFileError, "is not a file"),
    ],
)  # fmt: skip
def test_bad_files_are_one_line_errors(
    name: str, text: str | None, error: type[Exception], fragment: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(error, match=fragment) as caught:
        load_text_artefact(path, tmp_path / "work")
    assert "\n" not in str(caught.value)
