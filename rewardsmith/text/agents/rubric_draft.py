"""The rule-based designer's rubric: weighted machine checks read off a task's shape, where a rubric fits.

A task without reference answers whose prompts list facts to mention (a summary) is graded better by criteria
than by one parsed answer: the share of the facts mentioned, and the length limits. The rubric is carried
through the loop as the verifier code :func:`~rewardsmith.text.rubric_code.rubric_verifier_code` generates
from it, which scores exactly as the rubric does, so the gate, training, the report and export treat it as
any candidate. No judge criterion: offline, the only judge is the embedded model, which does not yet answer
in the verdict's form (README, "Text tasks").
"""

from __future__ import annotations

from collections.abc import Sequence

from rewardsmith.text.agents.shape import TaskShape
from rewardsmith.text.rubric import LengthCheck, MentionsCheck, TextCriterion, TextRubric
from rewardsmith.text.rubric_code import rubric_verifier_code
from rewardsmith.text.task import TextExample

#: The first line of a rubric draft's code: what it is, for a reader and for the designer's next round.
RUBRIC_HEADER = "# rewardsmith-text-rubric: weighted machine checks, as verifier code generated from the rubric"
#: What the facts pay against the length limits: content first, as the designer's code pays it.
FACTS_WEIGHT = 3.0
LENGTH_WEIGHT = 1.0


def shape_rubric(shape: TaskShape, examples: Sequence[TextExample]) -> TextRubric | None:
    """The rubric for a task of listed facts and no answers; None for a task a parsed answer grades."""
    if shape.facts is None:
        return None
    limits = [example.info.get(shape.word_limit) for example in examples] if shape.word_limit else []
    max_words = min((limit for limit in limits if isinstance(limit, int)), default=None)
    within = f"at most {shape.max_chars} characters" + (f" and {max_words} words" if max_words else "")
    return TextRubric(
        criteria=[
            TextCriterion(
                id="facts",
                text=f"mentions each string of the '{shape.facts}' column",
                weight=FACTS_WEIGHT,
                check=MentionsCheck(column=shape.facts),
            ),
            TextCriterion(
                id="within_limits",
                text=within,
                weight=LENGTH_WEIGHT,
                check=LengthCheck(max_chars=shape.max_chars, max_words=max_words),
            ),
        ]
    )


def rubric_code(rubric: TextRubric) -> str:
    """The rubric's verifier code, under :data:`RUBRIC_HEADER`."""
    return f"{RUBRIC_HEADER}\n{rubric_verifier_code(rubric)}"


def describe_rubric(rubric: TextRubric) -> str:
    total = sum(criterion.weight for criterion in rubric.criteria)
    return "; ".join(f"{c.id} ({c.weight / total:.0%}): {c.text}" for c in rubric.criteria)
