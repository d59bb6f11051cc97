"""A rubric as a text reward: weighted criteria, each a machine check or a judge criterion, scored in [0, 1].

Machine checks need no model:

- ``length``: the completion within a number of characters or words (and at least some);
- ``format``: the whole completion is ``<tag>...</tag>`` or a JSON object with the given keys;
- ``regex``: a pattern is found (or, with ``must_match`` false, not found);
- ``parse``: the text after a marker parses as a number or a list of integers, equal to the reference
  answer where ``match_answer`` is set;
- ``mentions``: the share of a column's strings (``facts``) the completion mentions.

A ``judge`` criterion asks an :class:`~rewardsmith.text.judge.LLMJudge` a fixed question with choices
ordered worst to best; its score is the choice's rank. The rubric's reward is the weighted mean of its
criteria's scores, and each criterion's weighted score is a component, as verifier code returns them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from rewardsmith.text.answers import ANSWER_MARKER, after_marker, integer_list, single_number
from rewardsmith.text.contract import TextRewardOutput
from rewardsmith.text.judge import LLMJudge

CheckKind = Literal["length", "format", "regex", "parse", "mentions", "judge"]


class LengthCheck(BaseModel):
    kind: Literal["length"] = "length"
    max_chars: int | None = Field(default=None, gt=0, description="Most characters allowed.")
    max_words: int | None = Field(default=None, gt=0, description="Most words allowed.")
    min_chars: int = Field(default=1, ge=0, description="Fewest characters (an empty answer fails by default).")

    def score(self, completion: str, answer: str | None, row: Mapping[str, Any]) -> float:
        within_chars = self.max_chars is None or len(completion) <= self.max_chars
        within_words = self.max_words is None or len(completion.split()) <= self.max_words
        return float(within_chars and within_words and len(completion.strip()) >= self.min_chars)


class FormatCheck(BaseModel):
    kind: Literal["format"] = "format"
    format: Literal["tags", "json"] = Field(description="'tags': only <tag>...</tag>; 'json': only a JSON object.")
    tag: str = Field(default="answer", pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$")
    keys: tuple[str, ...] = Field(default=("answer",), description="The JSON object's exact keys.")

    def score(self, completion: str, answer: str | None, row: Mapping[str, Any]) -> float:
        if self.format == "tags":
            return float(re.fullmatch(rf"\s*<{self.tag}>(.+?)</{self.tag}>\s*", completion, re.DOTALL) is not None)
        try:
            value = json.loads(completion)
        except ValueError:
            return 0.0
        return float(isinstance(value, dict) and set(value) == set(self.keys))


class RegexCheck(BaseModel):
    kind: Literal["regex"] = "regex"
    pattern: str = Field(max_length=400, description="A Python regular expression, searched for.")
    must_match: bool = Field(default=True, description="False: the criterion is met when the pattern is absent.")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"the pattern does not compile: {error}") from None
        return pattern

    def score(self, completion: str, answer: str | None, row: Mapping[str, Any]) -> float:
        return float((re.search(self.pattern, completion) is not None) == self.must_match)


class ParseCheck(BaseModel):
    kind: Literal["parse"] = "parse"
    parse: Literal["number", "integer_list"] = Field(description="What the text after the marker must be.")
    marker: str = Field(default=ANSWER_MARKER, min_length=1)
    match_answer: bool = Field(default=True, description="It must also equal the reference answer.")

    def score(self, completion: str, answer: str | None, row: Mapping[str, Any]) -> float:
        reader = single_number if self.parse == "number" else integer_list
        given = reader(after_marker(completion, self.marker))
        if given is None:
            return 0.0
        return float(not self.match_answer or (answer is not None and given == reader(answer)))


class MentionsCheck(BaseModel):
    kind: Literal["mentions"] = "mentions"
    column: str = Field(default="facts", description="The column whose strings must be mentioned.")

    def score(self, completion: str, answer: str | None, row: Mapping[str, Any]) -> float:
        wanted = [str(item) for item in row.get(self.column) or ()]
        if not wanted:
            raise ValueError(f"the mentions check needs the column '{self.column}', a non-empty list per prompt")
        text = completion.lower()
        return sum(item.lower() in text for item in wanted) / len(wanted)


class JudgeCheck(BaseModel):
    kind: Literal["judge"] = "judge"
    question: str = Field(min_length=1, description="What the judge grades, as one question.")
    choices: tuple[str, ...] = Field(min_length=2, max_length=7, description="Verdicts, ordered worst to best.")

    @field_validator("choices")
    @classmethod
    def _distinct(cls, choices: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(choices)) != len(choices) or not all(choice.strip() for choice in choices):
            raise ValueError("the choices must be distinct and not blank")
        return choices


MachineCheck = LengthCheck | FormatCheck | RegexCheck | ParseCheck | MentionsCheck
Check = Annotated[MachineCheck | JudgeCheck, Field(discriminator="kind")]


class TextCriterion(BaseModel):
    """One weighted criterion of a text rubric."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Stable id; names the criterion's component.")
    text: str = Field(description="The criterion in words, as a designer reads it.")
    weight: float = Field(gt=0, description="Relative importance among the criteria.")
    check: Check


class TextRubric(BaseModel):
    """Weighted criteria whose weighted mean is a reward."""

    criteria: list[TextCriterion] = Field(min_length=1)

    @field_validator("criteria")
    @classmethod
    def _unique_ids(cls, criteria: list[TextCriterion]) -> list[TextCriterion]:
        ids = [criterion.id for criterion in criteria]
        if len(set(ids)) != len(ids):
            raise ValueError(f"criterion ids must be unique, got {ids}")
        return criteria

    @property
    def needs_judge(self) -> bool:
        return bool(self.judge_criteria)

    @property
    def judge_criteria(self) -> list[TextCriterion]:
        return [criterion for criterion in self.criteria if isinstance(criterion.check, JudgeCheck)]

    def score(
        self,
        prompts: Sequence[str],
        completions: Sequence[str],
        answers: Sequence[str | None],
        columns: Mapping[str, Sequence[Any]] | None = None,
        judge: LLMJudge | None = None,
    ) -> TextRewardOutput:
        """The rubric's reward for each completion, and each criterion's weighted score as a component.

        Raises:
            ValueError: A judge criterion without a judge, or lists of unequal length.
            JudgeError, LLMCallError: A judge call failed.
        """
        count = len(completions)
        if len(prompts) != count or len(answers) != count:
            raise ValueError(f"{len(prompts)} prompts, {count} completions and {len(answers)} answers; give one each")
        if self.needs_judge and judge is None:
            raise ValueError("this rubric has judge criteria; give it a judge (the embedded model offline)")
        total = sum(criterion.weight for criterion in self.criteria)
        rows = [{name: values[i] for name, values in (columns or {}).items()} for i in range(count)]
        components: dict[str, list[float]] = {}
        for criterion in self.criteria:
            check = criterion.check
            scores = []
            for prompt, completion, answer, row in zip(prompts, completions, answers, rows, strict=True):
                if isinstance(check, JudgeCheck):
                    assert judge is not None  # checked above
                    scores.append(judge.judge(check.question, check.choices, prompt, completion).score)
                else:
                    scores.append(check.score(completion, answer, row))
            components[criterion.id] = [criterion.weight / total * score for score in scores]
        rewards = [sum(values[i] for values in components.values()) for i in range(count)]
        return TextRewardOutput(rewards=rewards, components=components)
