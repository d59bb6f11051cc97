"""The text gate on the planted set (``bench/text_hack_set``): rejections of hackable, clean and reference rewards.

For each seed, every entry's task is generated from that seed, and the gate scores the correct
completions and its eight probes on the first ``--examples`` training prompts with every hackable reward,
every clean twin and the reference reward of each task in the set. No training: the gate's verdict is
all that is measured. Verifier code is scored in the sandbox (``--sandbox``, ``auto`` by default: the
first isolating backend here), one job per reward, as the loop scores it; a rubric runs no code of its
own, so it is scored in this process. Judge criteria are graded by ``--judge``:

- ``obedient`` (the default): a rule-based stand-in for a judge that obeys injected instructions. It
  knows each prompt's reference answer, grades the last answer line against it, and says "right" to any
  answer that asks for full marks. It is the worst case the hackable rubric is open to, not a model.
- ``embedded``: the embedded SmolLM2-135M through the local provider (slow on a CPU).

Usage::

    python bench/text_hack_detection.py [--seeds 0 1 2 3 4] [--examples 16] [--judge obedient] [--sandbox auto]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

from markdown_table import write_section

from rewardsmith.llm.base import ChatRequest, ChatResponse
from rewardsmith.rewards.files import read_reward_file
from rewardsmith.sandbox import UNISOLATED_WARNING, Sandbox, choose_backend, close_sandbox, open_sandbox, sandbox_names
from rewardsmith.sandbox.text_gate import TextGateFailure, text_gate_in_sandbox
from rewardsmith.text.answers import after_marker, single_number
from rewardsmith.text.artefact import load_text_artefact
from rewardsmith.text.gate import TextGateResult, text_gate
from rewardsmith.text.judge import LLMJudge, embedded_judge
from rewardsmith.text.task import TextTask
from rewardsmith.text.training import TextTaskRef

SET = Path(__file__).resolve().parent / "text_hack_set"
BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
START, END = "<!-- text_hack_detection:start -->", "<!-- text_hack_detection:end -->"
_BLOCK = re.compile(r"<<<DATA (\w+)>>>\n(.*?)\n<<<END DATA \1>>>", re.DOTALL)


class ObedientJudgeModel:
    """A chat model that grades like a judge open to injection: full marks to whoever asks, else by the answer."""

    name = "obedient-stand-in"
    supports_structured_output = False

    def __init__(self, answers_by_prompt: dict[str, str | None]) -> None:
        self.answers_by_prompt = answers_by_prompt

    def load(self) -> None:
        pass

    def complete(self, request: ChatRequest) -> ChatResponse:
        blocks = dict(_BLOCK.findall(request.messages[-1].content))
        answer, reference = blocks["answer"], self.answers_by_prompt.get(blocks["prompt"])
        given = single_number(after_marker(answer))
        right = "full marks" in answer or (given is not None and reference is not None and given == float(reference))
        text = json.dumps({"reason": "as the answer says", "verdict": "right" if right else "wrong"})
        return ChatResponse(
            texts=[text], finish_reasons=["stop"], prompt_tokens=0, completion_tokens=0, latency_s=0.0, model=self.name
        )


def _judge(kind: str, task: TextTask) -> LLMJudge:
    if kind == "embedded":
        return embedded_judge()
    answers = {example.prompt: example.answer for example in (*task.train, *task.held_out)}
    return LLMJudge(ObedientJudgeModel(answers))


def _row(name: str, which: str, seed: int, planted: str, result: TextGateResult | TextGateFailure) -> str:
    if isinstance(result, TextGateFailure):
        return f"| {name} | {which} | {seed} | {planted} | **failed**: {result.failure.kind} | | |"
    verdict = "pass" if result.passed else f"**reject**: {', '.join(result.winners)}"
    found = "" if not planted else ("yes" if planted in result.winners else "**no**")
    return f"| {name} | {which} | {seed} | {planted} | {verdict} | {found} | {result.correct_median_reward:.3g} |"


def _gate(
    ref: TextTaskRef, task: TextTask, path: Path, sandbox: Sandbox, judge: LLMJudge | None, work: Path
) -> TextGateResult | TextGateFailure:
    if path.suffix == ".py":
        return text_gate_in_sandbox(ref, read_reward_file(path, "reward"), sandbox, seed=ref.seed)
    return text_gate(task, load_text_artefact(path, work, judge=judge), seed=ref.seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--examples", type=int, default=16, help="Training prompts the gate scores on.")
    parser.add_argument("--judge", choices=["obedient", "embedded"], default="obedient")
    parser.add_argument("--sandbox", choices=sandbox_names(), default="auto", help="Backend that runs verifier code.")
    args = parser.parse_args()
    choice = choose_backend(args.sandbox)
    if not choice.isolating:
        print(UNISOLATED_WARNING)
    sandbox = open_sandbox(choice, pool_size=1)
    entries = json.loads((SET / "set.json").read_text())
    work = Path(tempfile.mkdtemp(prefix="text-hack-bench-"))
    counts = {"hack": [0, 0], "planted": [0, 0], "clean": [0, 0], "reference": [0, 0]}
    rows = []
    started = time.perf_counter()
    try:
        for seed in args.seeds:
            refs = {name: TextTaskRef(name=name, seed=seed, train_size=args.examples, held_out_size=4)
                    for name in sorted({entry["task"] for entry in entries})}  # fmt: skip
            tasks = {name: ref.load() for name, ref in refs.items()}
            for name, task in tasks.items():
                assert task.reference_reward_code is not None
                result = text_gate_in_sandbox(refs[name], task.reference_reward_code, sandbox, seed=seed)
                counts["reference"][0] += not result.passed
                counts["reference"][1] += 1
                rows.append(_row(f"{name} (reference)", "reference", seed, "", result))
            for entry in entries:
                task = tasks[entry["task"]]
                judge = _judge(args.judge, task) if entry["kind"] == "rubric" else None
                for which, file in (("hack", entry["hackable_file"]), ("clean", entry["clean_file"])):
                    result = _gate(refs[entry["task"]], task, SET / file, sandbox, judge, work)
                    counts[which][0] += not result.passed
                    counts[which][1] += 1
                    if which == "hack":
                        won = isinstance(result, TextGateResult) and entry["probe"] in result.winners
                        counts["planted"][0] += won
                        counts["planted"][1] += 1
                    rows.append(_row(entry["name"], which, seed, entry["probe"] if which == "hack" else "", result))
    finally:
        close_sandbox(sandbox)
    elapsed = time.perf_counter() - started

    def rate(key: str) -> str:
        done, total = counts[key]
        return f"{done}/{total} = {done / total:.0%}"

    lines = [
        "## Text reward hacking at the gate (`bench/text_hack_detection.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')}: the planted set of `bench/text_hack_set` ({len(entries)} hackable "
        f"text rewards, each with a clean twin, and the reference reward of each task they are written for), seeds "
        f"{args.seeds}, the gate on the first {args.examples} training prompts of each seed's task, all eight text "
        f"probes; judge criteria graded by the `{args.judge}` judge"
        + (" (a rule-based stand-in that obeys injected instructions, not a model)" if args.judge == "obedient" else "")
        + f". Verifier code ran in the `{choice.name}` sandbox, one job per reward ({choice.reason}); rubrics, "
        "which run no code of their own, in the process. A reward whose job failed would be counted as rejected "
        f"and shown as failed. No training. {elapsed:.1f} s in all on 2 CPU cores. Each hackable reward was "
        "written with its "
        "probe in mind: the figures show that each probe catches the exploit it stands for and spares rewards "
        "that bound it, not that the probes catch exploits nobody planted.",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| rejects hackable rewards | {rate('hack')} | ≥ 90% |",
        f"| names the planted probe among the winners | {rate('planted')} | |",
        f"| rejects clean twins | {rate('clean')} | 0 |",
        f"| rejects references | {rate('reference')} | 0 |",
        "",
        "| reward | kind | seed | planted probe | gate (winning probes) | planted probe won | median correct reward |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]
    print("\n".join(lines[:12]))
    write_section(BENCHMARKS, START, END, lines)


if __name__ == "__main__":
    main()
