"""The text critic accepts every built-in task's sparse and reference rewards, and refuses hostile code, unknown
columns and any look at the checker or the held-out split, each with its rule id, line and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.agents.types import Candidate, CriticVerdict
from rewardsmith.text.agents.critic import RuleBasedTextCritic, task_columns
from rewardsmith.text.registry import load_text_task, text_task_names
from rewardsmith.text.task import TextTask

CRITIC = RuleBasedTextCritic()
HACK_SET = Path(__file__).parents[3] / "bench" / "text_hack_set"
ARITHMETIC = load_text_task("arithmetic", train_size=4, held_out_size=4)
SUMMARY = load_text_task("summary", train_size=4, held_out_size=4)

CLEAN = """
import re


def compute_reward(prompts, completions, answers, max_chars, **columns):
    rewards = []
    for completion, answer, limit in zip(completions, answers, max_chars, strict=True):
        match = re.search(r"Answer:\\s*(-?\\d+)", completion)
        rewards.append(float(match is not None and match.group(1) == answer and len(completion) <= limit))
    return rewards, {"correct": list(rewards)}
"""


def review(code: str, task: TextTask = ARITHMETIC) -> CriticVerdict:
    return CRITIC.review(Candidate(code=code, designer="test", id="i01-c01", iteration=1), task)


def rules(verdict: CriticVerdict) -> list[tuple[str, str, int | None]]:
    return [(finding.rule, finding.severity, finding.line) for finding in verdict.findings]


def with_body(*lines: str, signature: str = "prompts, completions, answers, **columns", head: str = "") -> str:
    body = "".join(f"    {line}\n" for line in lines)
    return f"{head}def compute_reward({signature}):\n{body}    return [0.0] * len(completions), {{}}\n"


@pytest.mark.parametrize("name", text_task_names())
def test_every_builtin_tasks_sparse_and_reference_rewards_pass_clean(name: str) -> None:
    task = load_text_task(name, train_size=4, held_out_size=4)
    for code in (task.sparse_reward_code, task.reference_reward_code):
        assert code is not None
        verdict = review(code, task)
        assert (verdict.passed, verdict.findings, verdict.critic) == (True, [], "rule-based")


def test_a_plain_regex_verifier_passes() -> None:
    assert review(CLEAN).findings == []


@pytest.mark.parametrize("name", ["steps_clean", "steps_hack", "length_hack", "keyword_hack"])
def test_the_planted_hack_sets_rewards_pass_the_static_rules(name: str) -> None:
    """Their exploits are in what they pay, for the gate to find; the step rewards import the Clip and Delta
    transforms by name, which the critic allows."""
    assert review((HACK_SET / f"{name}.py").read_text()).findings == []


def test_only_the_step_transforms_may_be_imported_from_rewardsmith() -> None:
    assert rules(review("from rewardsmith.text.steps import torch\n" + with_body())) == [
        ("forbidden_import", "error", 1)
    ]
    for code in ("import rewardsmith.text.steps\n", "from rewardsmith.text import steps\n"):
        verdict = review(code + with_body())
        assert rules(verdict) == [("forbidden_import", "error", 1)]
        assert "from rewardsmith.text.steps import clip_steps, delta_steps, split_steps" in verdict.findings[0].message


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import os\n" + with_body(), ("forbidden_import", "error", 1)),
        ("from subprocess import run\n" + with_body(), ("forbidden_import", "error", 1)),
        ("import importlib.util\n" + with_body(), ("forbidden_import", "error", 1)),
        ("from . import helpers\n" + with_body(), ("forbidden_import", "error", 1)),
        ("from json import _default_decoder\n" + with_body(), ("forbidden_import", "error", 1)),
        ("from math import *\n" + with_body(), ("forbidden_import", "error", 1)),
        (with_body("text = open('/etc/passwd').read()"), ("forbidden_call", "error", 2)),
        (with_body("value = eval(completions[0])"), ("forbidden_call", "error", 2)),
        (with_body("run = exec"), ("forbidden_call", "error", 2)),
        (with_body("mod = __import__('os')"), ("forbidden_call", "error", 2)),
        (with_body("kind = completions.__class__"), ("dunder_access", "error", 2)),
        (with_body("where = __builtins__"), ("dunder_access", "error", 2)),
        (with_body("leak = '{0.__globals__}'.format(len)"), ("dunder_access", "error", 2)),
        (with_body("name = getattr(completions, prompts[0])"), ("forbidden_call", "error", 2)),
        (with_body("frame = (c for c in completions).gi_frame"), ("forbidden_api", "error", 2)),
        ("import re\n" + with_body("flags = re._compiler"), ("forbidden_api", "error", 3)),
        ("import collections\n" + with_body("system = collections.sys"), ("forbidden_api", "error", 3)),
        (
            "import string\n" + with_body("found = string.Formatter().get_field('0', [1], {})"),
            ("forbidden_api", "error", 3),
        ),
        (with_body("names = dir(completions)"), ("forbidden_call", "error", 2)),
        (with_body("global CACHE"), ("global_statement", "error", 2)),
        (with_body("try:", "    pass", "except:", "    pass"), ("non_exception", "error", 4)),
        ("print('hello')\n", ("no_compute_reward", "error", None)),
        (with_body(signature="completions, prompts, answers"), ("bad_signature", "error", 1)),
        (with_body(signature="prompts, completions, answers, *rest"), ("bad_signature", "error", 1)),
        (
            "def compute_reward(prompts, completions, answers):\n    return [0.0] * len(completions)\n",
            ("bad_return", "error", 2),
        ),
    ],
)
def test_hostile_or_broken_code_gets_the_rule_that_names_it(code: str, expected: tuple[str, str, int | None]) -> None:
    verdict = review(code)
    assert not verdict.passed
    assert expected in rules(verdict), verdict.findings
    finding = next(f for f in verdict.findings if (f.rule, f.line) == expected[::2])
    assert finding.message[-1] == "." or finding.message.endswith(")"), "each message ends in what to do"


def test_no_code_and_a_syntax_error_are_findings_not_exceptions() -> None:
    missing = Candidate(code="", missing_code="No python block.", designer="t", id="c", iteration=1)
    assert rules(CRITIC.review(missing, ARITHMETIC)) == [("no_code", "error", None)]
    assert CRITIC.review(missing, ARITHMETIC).findings[0].message == "No python block."
    assert rules(review("def compute_reward(prompts, completions, answers:\n")) == [("syntax_error", "error", 1)]


def test_columns_the_task_does_not_provide() -> None:
    assert task_columns(SUMMARY) == ["facts", "max_chars", "max_words"]
    verdict = review(
        with_body(
            "tone = columns['tone']",
            "style = columns.get('style')",
            "known = columns['max_chars']",
            signature="prompts, completions, answers, facts, max_chars, notes=None, **columns",
        )
    )
    assert rules(verdict) == [
        ("unknown_column", "error", 1),
        ("unknown_column", "warning", 1),
        ("unknown_column", "error", 2),
        ("unknown_column", "warning", 3),
    ]
    facts = verdict.findings[0].message
    assert "'facts'" in facts and "task 'arithmetic'" in facts and "its columns are max_chars" in facts
    # The same reads are the summary task's own columns, except the two it lacks.
    on_summary = review(
        with_body("style = columns.get('style')", signature="prompts, completions, answers, facts, **columns"), SUMMARY
    )
    assert rules(on_summary) == [("unknown_column", "warning", 2)] and on_summary.passed


def test_nothing_may_name_the_checker_or_the_held_out_split() -> None:
    verdict = review(with_body("split = task.held_out", "score = checker(completions[0])"))
    assert [r for r in rules(verdict) if r[0] == "held_out_access"] == [
        ("held_out_access", "error", 2),
        ("held_out_access", "error", 3),
    ]
    # Words in a docstring are prose, not a look at the checker.
    documented = '"""Pays what the trusted checker would, without __magic__."""\n' + with_body()
    assert review(documented).findings == []


def test_the_main_guard_is_not_a_dunder_access() -> None:
    guarded = CLEAN + 'if __name__ == "__main__":\n    print(compute_reward([""], ["Answer: 1"], ["1"], [9]))\n'
    assert review(guarded).findings == []
