"""A rubric as verifier code: a ``compute_reward`` that scores as the rubric does, rewards and components.

The code is generated from the typed rubric: the answer readers of :mod:`rewardsmith.text.answers` (their
source), the criteria as a Python literal, and the checks of ``exporters/rubric_checks.py``. It imports
nothing from rewardsmith. A rubric of machine checks only is standalone, so
:func:`rewardsmith.text.export.export_text_reward` writes it out for any trainer; one with judge criteria
declares the contract's ``judge`` parameter, which the design loop's sandboxed jobs fill.
"""

from __future__ import annotations

import inspect
import pprint
from importlib import resources

from rewardsmith.text import answers
from rewardsmith.text.rubric import TextRubric

_ENTRY = """def compute_reward(prompts, completions, answers, **columns):
    return _rubric_reward(prompts, completions, answers, None, columns)
"""
_ENTRY_JUDGED = """def compute_reward(prompts, completions, answers, judge, **columns):
    return _rubric_reward(prompts, completions, answers, judge, columns)
"""


def rubric_verifier_code(rubric: TextRubric) -> str:
    """Verifier code whose ``compute_reward`` returns what ``rubric.score`` returns, rewards and components.

    A rubric with judge criteria asks for a judge (the contract's ``judge`` parameter), which a rewardsmith
    job gives it; one of machine checks only is standalone, and exports to any trainer.
    """
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
        f"{checks}\n\n"
        f"{_ENTRY_JUDGED if rubric.needs_judge else _ENTRY}"
    )
