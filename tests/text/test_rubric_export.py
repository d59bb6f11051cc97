"""A rubric of machine checks, exported: each trainer's entry point scores the summary task's solutions and
probes exactly as ``TextRubric.score`` does, for each kind of machine check; a judge criterion is refused."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from rewardsmith.text import load_text_task
from rewardsmith.text.builtin.common import read_text_reward
from rewardsmith.text.export import ExportError, dataset_rows, export_rubric, export_text_reward, openrlhf_labels
from rewardsmith.text.rubric import TextRubric
from rewardsmith.text.rubric_code import rubric_verifier_code
from tests.text.test_export import _batch, _module, v1_score

#: One rubric per kind of machine check, beside a length criterion so that weights and components mix.
CHECKS: dict[str, dict[str, Any]] = {
    "length": {"kind": "length", "max_chars": 120, "min_chars": 5},
    "format_tags": {"kind": "format", "format": "tags", "tag": "summary"},
    "format_json": {"kind": "format", "format": "json", "keys": ["summary"]},
    "regex": {"kind": "regex", "pattern": r"(?i)\b(full marks|ignore)\b", "must_match": False},
    "parse": {"kind": "parse", "parse": "number", "marker": "in", "match_answer": False},
    "parse_list": {"kind": "parse", "parse": "integer_list", "marker": ":", "match_answer": False},
    "mentions": {"kind": "mentions", "column": "facts"},
}


def _rubric(check: dict[str, Any]) -> TextRubric:
    return TextRubric.model_validate(
        {
            "criteria": [
                {"id": "checked", "text": "the check", "weight": 3.0, "check": check},
                {
                    "id": "short",
                    "text": "at most 40 words",
                    "weight": 1.0,
                    "check": {"kind": "length", "max_words": 40},
                },
            ]
        }
    )


@pytest.mark.parametrize("kind", CHECKS)
def test_an_exported_rubric_scores_as_the_rubric_in_every_trainer(kind: str, tmp_path: Path) -> None:
    task = load_text_task("summary", train_size=4, held_out_size=2)
    rubric = _rubric(CHECKS[kind])
    indices, completions = _batch(task)
    # The solutions, shaped so that the format and parse checks also pass some completions.
    for index, example in enumerate(task.train):
        solution = example.solution
        shaped = [
            f"<summary>{solution}</summary>",
            json.dumps({"summary": solution}),
            f"{solution} in 2015",
            f"{solution}\nAs a list: 3, 5, 9",
        ]
        indices += [index] * len(shaped)
        completions += shaped
    examples = [task.train[i] for i in indices]
    expected = rubric.score(
        [e.prompt for e in examples], completions, [e.answer for e in examples], task.columns(examples)
    )
    # A check that pays every completion alike would prove nothing about the export.
    assert len(set(expected.components["checked"])) > 1
    rows = dataset_rows(task, "train")
    labels = openrlhf_labels(task, "train")
    prompts = [rows[i]["prompt"] for i in indices]

    def exported(target: str) -> Any:
        path = tmp_path / f"{kind}_{target.replace('-', '_')}.py"
        path.write_text(export_rubric(rubric, target))  # type: ignore[arg-type]
        assert not {name for name in _imported(path.read_text()) if name.split(".")[0] == "rewardsmith"}
        return _module(path)

    code = _module_from_code(rubric_verifier_code(rubric), tmp_path / f"{kind}_code.py")
    rewards, components = code.compute_reward(prompts, completions, [rows[i]["answer"] for i in indices], **{
        name: [rows[i][name] for i in indices] for name in task.columns(task.train)
    })  # fmt: skip
    assert (rewards, components) == (expected.rewards, expected.components)

    trl = exported("trl")
    columns = {name: [rows[i][name] for i in indices] for name in (*task.columns(task.train), "answer")}
    assert trl.reward_func(
        prompts=prompts, completions=completions, completion_ids=[[0]] * len(indices), **columns
    ) == (expected.rewards)
    verl = exported("verl")
    assert [
        verl.compute_score("rewardsmith", c, rows[i]["answer"], extra_info=rows[i]["extra_info"])
        for i, c in zip(indices, completions, strict=True)
    ] == expected.rewards
    openrlhf = exported("openrlhf")
    queries = [prompt + completion for prompt, completion in zip(prompts, completions, strict=True)]
    result = openrlhf.reward_func(queries, prompts, [labels[i] for i in indices])
    assert result["rewards"].tolist() == pytest.approx(expected.rewards, abs=0, rel=1e-7)
    verifiers = exported("verifiers")
    assert [v1_score(verifiers.rewardsmith_reward, rows[i], c) for i, c in zip(indices, completions, strict=True)] == (
        expected.rewards
    )
    legacy = exported("verifiers-legacy")
    assert [
        legacy.rewardsmith_reward(
            prompt=rows[i]["prompt"], completion=c, answer=rows[i]["answer"], info=rows[i]["info"]
        )
        for i, c in zip(indices, completions, strict=True)
    ] == expected.rewards


def _imported(code: str) -> set[str]:
    """The modules that ``code`` imports, wherever it imports them."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _module_from_code(code: str, path: Path) -> Any:
    path.write_text(code)
    return _module(path)


def test_a_rubric_with_a_judge_criterion_is_a_one_line_error() -> None:
    rubric = TextRubric.model_validate_json(read_text_reward("summary_rubric", ".json"))
    with pytest.raises(ExportError, match=r"judge criteria \(faithful\) need a model at training time") as error:
        export_rubric(rubric, "trl")
    assert "\n" not in str(error.value)
    # Its verifier code, which the loop trains with a judge, is refused as well: a trainer gives no judge.
    with pytest.raises(ExportError, match=r"asks for an LLM judge \(compute_reward takes 'judge'\)"):
        export_text_reward(rubric_verifier_code(rubric), "verl")
