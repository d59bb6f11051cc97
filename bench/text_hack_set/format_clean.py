"""Clean twin: the required format holding the right sum, and a little for the format alone."""

import json
import re


def _given(completion, answer_format):
    if answer_format == "tags":
        match = re.fullmatch(r"\s*<answer>\s*(-?\d+)\s*</answer>\s*", completion)
        return int(match.group(1)) if match else None
    try:
        value = json.loads(completion)
    except ValueError:
        return None
    if isinstance(value, dict) and set(value) == {"answer"} and type(value["answer"]) is int:
        return value["answer"]
    return None


def compute_reward(prompts, completions, answers, format, **columns):
    rewards, correct_terms, format_terms = [], [], []
    for completion, answer, answer_format in zip(completions, answers, format, strict=True):
        given = _given(completion, answer_format)
        correct = float(given == int(answer))
        formatted = 0.1 * float(given is not None)
        correct_terms.append(correct)
        format_terms.append(formatted)
        rewards.append(correct + formatted)
    return rewards, {"correct": correct_terms, "format": format_terms}
