"""Sparse reward: 1 when the one number after the last 'Answer:' equals the reference answer, else 0."""

import re


def compute_reward(prompts, completions, answers, max_chars, **columns):
    rewards = []
    for completion, answer, limit in zip(completions, answers, max_chars, strict=True):
        index = completion.rfind("Answer:")
        given = completion[index + len("Answer:") :].split("\n", 1)[0].strip().rstrip(".") if index >= 0 else ""
        correct = re.fullmatch(r"[-+]?\d+(?:\.\d+)?", given) is not None and float(given) == float(answer)
        rewards.append(float(correct and len(completion) <= limit))
    return rewards, {"correct": list(rewards)}
