"""Sparse reward: 1 when the whole completion is the required format holding the reference sum, else 0."""

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
    rewards = []
    for completion, answer, answer_format, limit in zip(completions, answers, format, max_chars, strict=True):
        rewards.append(float(_given(completion, answer_format) == int(answer) and len(completion) <= limit))
    return rewards, {"correct": list(rewards)}
