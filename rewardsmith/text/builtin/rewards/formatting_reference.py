"""Reference reward: the right sum in the required format, and a little for the format with a wrong sum."""

import json
import re


def _given(completion, answer_format):
    if answer_format == "tags":
        match = re.fullmatch(r"\s*<answer>\s*([-+]?\d+)\s*</answer>\s*", completion)
        return int(match.group(1)) if match else None
    try:
        value = json.loads(completion)
    except ValueError:
        return None
    if isinstance(value, dict) and set(value) == {"answer"} and type(value["answer"]) is int:
        return value["answer"]
    return None


def compute_reward(prompts, completions, answers, format, max_chars, **columns):
    rewards, correct_terms, format_terms = [], [], []
    for completion, answer, answer_format, limit in zip(completions, answers, format, max_chars, strict=True):
        given = _given(completion, answer_format) if len(completion) <= limit else None
        correct = float(given is not None and given == int(answer))
        formatted = 0.1 * float(given is not None)
        correct_terms.append(correct)
        format_terms.append(formatted)
        rewards.append(correct + formatted)
    return rewards, {"correct": correct_terms, "format": format_terms}
