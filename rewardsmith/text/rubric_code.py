"""A rubric of machine checks as verifier code: a standalone ``compute_reward`` that scores as the rubric does.

The code is generated from the typed rubric: the answer readers of :mod:`rewardsmith.text.answers` (their
source), the criteria as a Python literal, and the checks of ``exporters/rubric_checks.py``. It imports
nothing from rewardsmith, so :func:`rewardsmith.text.export.export_text_reward` writes it out for any trainer.
"""

from __future__ import annotations

import inspect
import pprint
from importlib import resources

from rewardsmith.text import answers
from rewardsmith.text.rubric import JudgeCheck, TextRubric


class RubricCodeError(ValueError):
    """A rubric that no standalone code can score; the message is one line."""


def rubric_verifier_code(rubric: TextRubric) -> str:
    """Verifier code whose ``compute_reward`` returns what ``rubric.score`` returns, rewards and components.

    Raises:
        RubricCodeError: A criterion is a judge, which needs a model where the code runs.
    """
    judged = [criterion.id for criterion in rubric.criteria if isinstance(criterion.check, JudgeCheck)]
    if judged:
        raise RubricCodeError(
            f"the rubric's judge criteria ({', '.join(judged)}) need a model at training time and cannot be "
            "exported to a standalone file; export a rubric of machine checks only"
        )
    criteria = tuple((c.id, c.weight, c.check.model_dump()) for c in rubric.criteria)
    readers = "\n\n".join(
        inspect.getsource(f) for f in (answers.after_marker, answers.single_number, answers.integer_list)
    )
    checks = resources.files("rewardsmith.text.exporters").joinpath("rubric_checks.py").read_text()
    return (
        '"""A rewardsmith rubric of machine checks, as verifier code."""\n\n'
        "import re\n\n"
        f"ANSWER_MARKER = {answers.ANSWER_MARKER!r}\n"
        f"_NUMBER = re.compile({answers._NUMBER.pattern!r})\n\n\n"
        f"{readers}\n\n"
        f"_RUBRIC_CRITERIA = {pprint.pformat(criteria, width=110, sort_dicts=False)}\n\n\n"
        f"{checks}"
    )
