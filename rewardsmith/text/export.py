"""Export a text reward as one file for a trainer: TRL, verl, OpenRLHF or verifiers (v1, or the legacy API).

The file is the reward's own code, unchanged, followed by the shared adapter
(``exporters/common.py``) and the trainer's entry point (``exporters/<trainer>.py``), each read from
the package. It imports nothing from rewardsmith (unless the reward itself does), so the trainer loads it
as it loads any reward file. :func:`dataset_rows` and :func:`openrlhf_labels` write the columns each
entry point expects, so a task's prompts score there exactly as :meth:`TextTask.columns` scores them here.
A rubric of machine checks exports as the verifier code :mod:`rewardsmith.text.rubric_code` generates from it.
"""

from __future__ import annotations

import ast
import json
from importlib import resources
from typing import Any, Literal, get_args

from rewardsmith.rewards.extract import extract_code
from rewardsmith.text.contract import JUDGE_PARAMETER, TEXT_REWARD_PARAMETERS, declares_judge
from rewardsmith.text.rubric import TextRubric
from rewardsmith.text.rubric_code import rubric_verifier_code
from rewardsmith.text.task import Split, TextTask

#: 'verifiers' is verifiers.v1 (verifiers 0.4 on); 'verifiers-legacy' the Rubric API before it.
ExportTarget = Literal["trl", "verl", "openrlhf", "verifiers", "verifiers-legacy"]
EXPORT_TARGETS: tuple[ExportTarget, ...] = get_args(ExportTarget)

#: Each trainer's entry point in the exported file, as its documentation names it.
ENTRY_POINTS: dict[ExportTarget, str] = {
    "trl": "reward_func",
    "verl": "compute_score",
    "openrlhf": "reward_func",
    "verifiers": "rewardsmith_reward",
    "verifiers-legacy": "load_rubric",
}


class ExportError(ValueError):
    """A reward that cannot be exported as asked; the message is one line."""


def _adapter(name: str) -> str:
    return resources.files("rewardsmith.text.exporters").joinpath(f"{name.replace('-', '_')}.py").read_text()


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


def export_text_reward(reward_text: str, target: ExportTarget) -> str:
    """The file for ``target`` that scores as the verifier code in ``reward_text`` does.

    Raises:
        ExportError: The target is unknown, the text holds no ``compute_reward(prompts, completions,
            answers, ...)``, it asks for a judge, or it defines a name the adapter defines.
    """
    if target not in EXPORT_TARGETS:
        raise ExportError(f"unknown trainer '{target}': export to one of {', '.join(EXPORT_TARGETS)}")
    code = extract_code(reward_text)
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        raise ExportError(f"the reward has a syntax error at line {error.lineno}: {error.msg}") from None
    entry = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "compute_reward"]
    if len(entry) != 1 or tuple(a.arg for a in entry[0].args.args[:3]) != TEXT_REWARD_PARAMETERS:
        raise ExportError("only verifier code exports: a top-level compute_reward(prompts, completions, answers, ...)")
    if declares_judge(entry[0]):
        raise ExportError(
            f"the reward asks for an LLM judge (compute_reward takes '{JUDGE_PARAMETER}'), which a trainer does not "
            "give; export a reward that needs no judge"
        )
    adapters = _adapter("common") + "\n\n" + _adapter(target)
    clash = sorted((_top_level_names(tree) - {"json", "torch"}) & _top_level_names(ast.parse(adapters)))
    if clash:
        raise ExportError(f"the reward defines {', '.join(clash)}, which the {target} adapter defines; rename it")
    header = f"# A rewardsmith text reward exported for {target}: entry point {ENTRY_POINTS[target]}.\n\n"
    return header + code.rstrip("\n") + "\n\n\n" + adapters


def export_rubric(rubric: TextRubric, target: ExportTarget) -> str:
    """The file for ``target`` that scores as ``rubric.score`` does, rewards and components.

    Raises:
        ExportError: The target is unknown, or the rubric has a judge criterion.
    """
    judged = [criterion.id for criterion in rubric.judge_criteria]
    if judged:
        raise ExportError(
            f"the rubric's judge criteria ({', '.join(judged)}) need a model at training time and cannot be "
            "exported to a standalone file; export a rubric of machine checks only"
        )
    return export_text_reward(rubric_verifier_code(rubric), target)


def dataset_rows(task: TextTask, split: Split) -> list[dict[str, Any]]:
    """One row per example: 'prompt', 'answer' and the task's columns (TRL's dataset columns), the same
    columns as 'info' (verifiers) and, with the prompt, as 'extra_info' (verl)."""
    examples = task.examples(split)
    columns = task.columns(examples)
    rows = []
    for index, example in enumerate(examples):
        own = {name: values[index] for name, values in columns.items()}
        info = {"prompt": example.prompt, **own}
        rows.append({"prompt": example.prompt, "answer": example.answer, **own, "info": own, "extra_info": info})
    return rows


def openrlhf_labels(task: TextTask, split: Split) -> list[str]:
    """Each example's OpenRLHF label: the JSON of its reference answer and its columns."""
    examples = task.examples(split)
    columns = task.columns(examples)
    return [
        json.dumps({"answer": example.answer, "columns": {name: values[index] for name, values in columns.items()}})
        for index, example in enumerate(examples)
    ]
