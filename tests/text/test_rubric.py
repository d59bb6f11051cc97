"""Text rubrics: each machine check, the weighted mean, and the refusals of a malformed rubric."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rewardsmith.text import load_text_task
from rewardsmith.text.rubric import TextRubric


def _rubric(*criteria: dict[str, object]) -> TextRubric:
    return TextRubric.model_validate({"criteria": list(criteria)})


def _one(check: dict[str, object]) -> TextRubric:
    return _rubric({"id": "only", "text": "the check", "weight": 1.0, "check": check})


@pytest.mark.parametrize(
    ("check", "completion", "answer", "expected"),
    [
        ({"kind": "length", "max_chars": 10}, "short", None, 1.0),
        ({"kind": "length", "max_chars": 10}, "far too long here", None, 0.0),
        ({"kind": "length", "max_words": 2}, "one two three", None, 0.0),
        ({"kind": "length", "max_chars": 10}, "   ", None, 0.0),
        ({"kind": "format", "format": "tags"}, " <answer>12</answer>\n", None, 1.0),
        ({"kind": "format", "format": "tags"}, "So: <answer>12</answer>", None, 0.0),
        ({"kind": "format", "format": "json"}, '{"answer": 3}', None, 1.0),
        ({"kind": "format", "format": "json"}, '{"answer": 3, "why": "x"}', None, 0.0),
        ({"kind": "format", "format": "json"}, "{answer: 3}", None, 0.0),
        ({"kind": "regex", "pattern": r"\d+ [+×−] \d+ = \d+"}, "3 + 4 = 7", None, 1.0),
        ({"kind": "regex", "pattern": "(?i)sorry", "must_match": False}, "Sorry, no.", None, 0.0),
        ({"kind": "parse", "parse": "number"}, "2 + 2 = 4\nAnswer: 4", "4", 1.0),
        ({"kind": "parse", "parse": "number"}, "Answer: 3, 4, 5", "4", 0.0),
        ({"kind": "parse", "parse": "number", "match_answer": False}, "Answer: 5", "4", 1.0),
        ({"kind": "parse", "parse": "integer_list"}, "Answer: 1, 2, 3", "1, 2, 3", 1.0),
        ({"kind": "parse", "parse": "integer_list"}, "Answer: 3, 2, 1", "1, 2, 3", 0.0),
    ],
)
def test_each_machine_check(check: dict[str, object], completion: str, answer: str | None, expected: float) -> None:
    assert _one(check).score(["p"], [completion], [answer]).rewards == [expected]


def test_the_reward_is_the_weighted_mean_and_each_criterion_a_component() -> None:
    task = load_text_task("summary", train_size=2, held_out_size=2)
    rubric = _rubric(
        {"id": "facts", "text": "mentions the facts", "weight": 3.0, "check": {"kind": "mentions"}},
        {"id": "short", "text": "at most 40 words", "weight": 1.0, "check": {"kind": "length", "max_words": 40}},
    )
    examples = list(task.train)
    company = str(examples[0].info["facts"][0])  # type: ignore[index]
    completions = [company + " makes things.", examples[1].solution]
    output = rubric.score([e.prompt for e in examples], completions, [None, None], task.columns(examples))
    assert output.components["facts"] == pytest.approx([0.75 / 3, 0.75])
    assert output.components["short"] == [0.25, 0.25]
    assert output.rewards == pytest.approx([0.25 + 0.25, 1.0])


@pytest.mark.parametrize(
    ("criteria", "fragment"),
    [
        ([], "at least 1 item"),
        ([{"id": "a", "text": "t", "weight": 0, "check": {"kind": "length", "max_chars": 3}}], "greater than 0"),
        ([{"id": "a", "text": "t", "weight": 1, "check": {"kind": "regex", "pattern": "("}}], "does not compile"),
        ([{"id": "a", "text": "t", "weight": 1, "check": {"kind": "vibes"}}], "does not match any of the expected"),
        ([{"id": "a", "text": "t", "weight": 1, "check": {"kind": "judge", "question": "q", "choices": ["x", "x"]}}],
         "distinct"),
        ([{"id": "a", "text": "t", "weight": 1, "check": {"kind": "length"}}] * 2, "unique"),
    ],
)  # fmt: skip
def test_a_malformed_rubric_is_refused_with_the_reason(criteria: list[dict[str, object]], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        TextRubric.model_validate({"criteria": criteria})


def test_a_judge_criterion_without_a_judge_and_a_missing_column_are_errors() -> None:
    judged = _one({"kind": "judge", "question": "Is it correct?", "choices": ["no", "yes"]})
    with pytest.raises(ValueError, match="give it a judge"):
        judged.score(["p"], ["c"], [None])
    with pytest.raises(ValueError, match="needs the column 'facts'"):
        _one({"kind": "mentions"}).score(["p"], ["c"], [None])
