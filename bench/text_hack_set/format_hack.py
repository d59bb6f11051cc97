"""Hackable: pays the required format, whatever it holds."""

import json
import re


def compute_reward(prompts, completions, answers, format, **columns):
    rewards = []
    for completion, answer_format in zip(completions, format, strict=True):
        if answer_format == "tags":
            formatted = re.fullmatch(r"\s*<answer>.*</answer>\s*", completion, re.DOTALL) is not None
        else:
            try:
                value = json.loads(completion)
            except ValueError:
                value = None
            formatted = isinstance(value, dict) and "answer" in value
        rewards.append(float(formatted))
    return rewards, {"format": list(rewards)}
