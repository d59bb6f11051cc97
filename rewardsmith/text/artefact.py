"""A text reward artefact from a file: verifier code (``.py``) or a rubric (``.json``), as one callable."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rewardsmith.rewards.files import read_reward_file
from rewardsmith.text.contract import TextReward, TextRewardOutput, load_text_reward
from rewardsmith.text.judge import LLMJudge
from rewardsmith.text.rubric import TextRubric


class ArtefactError(ValueError):
    """A reward file that is neither verifier code nor a valid rubric; the message is one line."""


class RubricReward:
    """A rubric with its judge bound, called like verifier code."""

    def __init__(self, rubric: TextRubric, judge: LLMJudge | None) -> None:
        self.rubric = rubric
        self.judge = judge
        self.sha256 = hashlib.sha256(rubric.model_dump_json().encode()).hexdigest()

    def __call__(
        self,
        prompts: Sequence[str],
        completions: Sequence[str],
        answers: Sequence[str | None],
        columns: Mapping[str, Sequence[Any]] | None = None,
    ) -> TextRewardOutput:
        return self.rubric.score(prompts, completions, answers, columns, judge=self.judge)


def load_rubric(text: str, origin: str) -> TextRubric:
    """Parse a rubric's JSON text.

    Raises:
        ArtefactError: It is not JSON, or not a valid rubric; the message names the first problem.
    """
    try:
        return TextRubric.model_validate(json.loads(text))
    except ValueError as error:
        if isinstance(error, ValidationError):
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the rubric"
            raise ArtefactError(f"{origin}: invalid rubric at '{where}': {first['msg']}") from None
        raise ArtefactError(f"{origin}: not JSON ({error}); a rubric is a JSON object with 'criteria'") from None


def load_text_artefact(path: Path, workdir: Path, judge: LLMJudge | None = None) -> TextReward | RubricReward:
    """The reward in ``path``: a loaded :class:`~rewardsmith.text.contract.TextReward` for ``.py``, a
    :class:`RubricReward` for ``.json`` (with ``judge`` for its judge criteria).

    Raises:
        ArtefactError: Another suffix, or a malformed rubric.
        RewardFileError: The file cannot be read.
        RewardContractError: The code breaks the text reward contract.
    """
    text = read_reward_file(path, "reward")
    if path.suffix == ".json":
        rubric = load_rubric(text, str(path))
        if rubric.needs_judge and judge is None:
            raise ArtefactError(f"{path}: the rubric has judge criteria; give it a judge (the embedded model offline)")
        return RubricReward(rubric, judge)
    if path.suffix == ".py":
        return load_text_reward(text, workdir)
    raise ArtefactError(f"{path}: a text reward is a .py file (verifier code) or a .json file (a rubric)")
