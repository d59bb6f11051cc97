"""Exports to verifiers.v1, checked in verifiers itself: each built-in text task's reference reward and a
rubric of every machine check, scored there on solutions and the gate's probes, against rewardsmith.

verifiers is not in the project's lock, so it runs in a venv of its own (``--verifiers-python``), which
``bench/export_verifiers_v1_scorer.py`` runs in; this script writes the exported files and the cases with
rewardsmith's rewards, and the figure into BENCHMARKS.md.

Usage::

    python -m venv /tmp/vf && /tmp/vf/bin/pip install verifiers==0.4.0 torch==2.13.0
    python bench/export_verifiers.py --verifiers-python /tmp/vf/bin/python
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from markdown_table import write_section

from rewardsmith.gate.exploits import TEXT_PROBES
from rewardsmith.text import load_text_task, text_task_names
from rewardsmith.text.contract import load_text_reward
from rewardsmith.text.export import dataset_rows, export_rubric, export_text_reward
from rewardsmith.text.probes import probe_completions
from rewardsmith.text.rubric import TextRubric
from rewardsmith.text.task import TextTask

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
START, END = "<!-- export_verifiers:start -->", "<!-- export_verifiers:end -->"
SCORER = Path(__file__).resolve().parent / "export_verifiers_v1_scorer.py"
#: Every kind of machine check, on the summary task.
RUBRIC = TextRubric.model_validate(
    {
        "criteria": [
            {"id": "facts", "text": "mentions the facts", "weight": 3.0, "check": {"kind": "mentions"}},
            {"id": "short", "text": "at most 40 words", "weight": 1.0, "check": {"kind": "length", "max_words": 40}},
            {"id": "tags", "text": "in tags", "weight": 0.5, "check": {"kind": "format", "format": "tags"}},
            {"id": "json", "text": "JSON", "weight": 0.25, "check": {"kind": "format", "format": "json"}},
            {
                "id": "no_plea",
                "text": "no plea to the grader",
                "weight": 0.7,
                "check": {"kind": "regex", "pattern": "(?i)full marks", "must_match": False},
            },
            {
                "id": "number",
                "text": "a number after Answer:",
                "weight": 1.3,
                "check": {"kind": "parse", "parse": "number", "match_answer": False},
            },
        ]
    }
)


def shaped(task: TextTask) -> list[list[str]]:
    """The solutions in tags, as JSON and followed by a number: so that the rubric's format and parse checks
    pay some completions too."""
    solutions = [e.solution for e in task.train]
    return [
        [f"<answer>{s}</answer>" for s in solutions],
        [json.dumps({"answer": s}) for s in solutions],
        [f"{s}\nAnswer: 2015" for s in solutions],
    ]


def cases(task: TextTask, exported: Path, score: Any, extra: list[list[str]] | None = None) -> list[dict[str, Any]]:
    """Each prompt's solution and probes (and ``extra`` completions), with what rewardsmith pays them."""
    rows = dataset_rows(task, "train")
    found = []
    batches = [
        [e.solution for e in task.train] if probe == "solution" else probe_completions(task, task.train, probe, 0)
        for probe in ("solution", *TEXT_PROBES)
    ]
    for texts in batches + (extra or []):
        rewards = score([e.prompt for e in task.train], texts, [e.answer for e in task.train], task.columns(task.train))
        for row, text, reward in zip(rows, texts, rewards.rewards, strict=True):
            row_data = {key: row[key] for key in ("prompt", "answer", "info")}
            found.append({"file": str(exported), "row": row_data, "completion": text, "expected": reward})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verifiers-python", required=True, help="The python of a venv with verifiers installed.")
    parser.add_argument("--prompts", type=int, default=4, help="Training prompts per task.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rewardsmith-export-verifiers-"))
    found: list[dict[str, Any]] = []
    for name in text_task_names():
        task = load_text_task(name, train_size=args.prompts, held_out_size=2)
        assert task.reference_reward_code is not None
        path = work / f"{name}_reference_verifiers.py"
        path.write_text(export_text_reward(task.reference_reward_code, "verifiers"))
        found += cases(task, path, load_text_reward(task.reference_reward_code, work / "loaded"))
        if name == "summary":
            path = work / "summary_rubric_verifiers.py"
            path.write_text(export_rubric(RUBRIC, "verifiers"))
            found += cases(task, path, RUBRIC.score, shaped(task))
    (work / "cases.json").write_text(json.dumps(found))
    done = subprocess.run(
        [args.verifiers_python, str(SCORER), str(work / "cases.json")], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    files = len({case["file"] for case in found})
    lines = [
        "## Exports scored in verifiers.v1 (`bench/export_verifiers.py`)\n",
        f"verifiers {result['verifiers']} (a venv of its own, with torch 2.13.0 CPU), {files} exported files: each "
        f"built-in text task's reference reward and a rubric of every machine check (mentions, length, tags, JSON, "
        f"regex, parse) on the summary task; {result['cases']} completions (each task's solutions and the gate's "
        f"{len(TEXT_PROBES)} probes on {args.prompts} prompts, and for the rubric the solutions also in tags, as JSON "
        "and followed by a number), scored through verifiers' own `Task.score`.\n",
        "| how the reward enters verifiers | equal to rewardsmith's reward |",
        "|---|---|",
        f"| `rewardsmith_reward` plugged by path (`TaskConfig.rewards`) | {result['plugged']}/{result['cases']} |",
        f"| the file's `rewardsmith_task(row)` | {result['built']}/{result['cases']} |",
        "",
        f"Command: `python bench/export_verifiers.py --verifiers-python {args.verifiers_python}`",
    ]
    print(write_section(BENCHMARKS, START, END, lines))
    if result["plugged"] != result["cases"] or result["built"] != result["cases"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
