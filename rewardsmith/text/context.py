"""What a designer reads about a text task: the task in words, the reward contract and its columns, a few
training prompts, and a few completions of the current policy. Never the trusted checker or the held-out split.
"""

from __future__ import annotations

from collections.abc import Sequence

from rewardsmith.text.task import TextExample, TextTask

#: Characters of a prompt or completion quoted; the rest is cut, so one long sample cannot fill the context.
_QUOTE_CHARS = 600


def render_text_context(task: TextTask, examples: Sequence[TextExample], completions: Sequence[str]) -> str:
    """The designer's context as one text."""
    # The columns reward code receives by name, max_chars included (as the train and gate jobs pass them).
    columns = sorted(task.columns(task.train))
    lines = [
        f"# Task: {task.name}",
        task.description,
        "",
        "# Reward contract",
        "def compute_reward(prompts, completions, answers, **columns) -> tuple[list[float], dict[str, list[float]]]",
        "One finite reward per completion, and named components (one value per completion each).",
        f"answers: the reference answer of each prompt as text{'' if _has_answers(task) else ' (None in this task)'}.",
        f"columns: {', '.join(columns)}.",
        f"A completion longer than {task.max_chars} characters scores nothing on the task's own measure.",
        "Per-step rewards (one per line of a completion) must be bounded: rewardsmith.text.steps.clip_steps pays "
        "only the worst step, delta_steps only improvements, so a correct step repeated earns nothing more.",
        "",
        "# Training prompts",
    ]
    for example in examples:
        lines += [_quote(example.prompt), f"  required form: {example.form}", f"  answer: {example.answer}", ""]
    lines.append("# Completions of the current policy")
    lines += [_quote(text) for text in completions] or ["(none yet: the policy has not been trained)"]
    return "\n".join(lines) + "\n"


def _has_answers(task: TextTask) -> bool:
    return any(example.answer is not None for example in task.train)


def _quote(text: str) -> str:
    cut = text if len(text) <= _QUOTE_CHARS else text[:_QUOTE_CHARS] + " […]"
    return "> " + cut.replace("\n", "\n> ")
