"""Sparse reward: 1 when the list after the last 'Answer:' is exactly the reference sorted list, else 0."""


def _numbers(text):
    items = [item.strip() for item in text.strip().rstrip(".").split(",")]
    if not items or not all(item.lstrip("+-").isdigit() for item in items):
        return None
    return [int(item) for item in items]


def compute_reward(prompts, completions, answers, max_chars, **columns):
    rewards = []
    for completion, answer, limit in zip(completions, answers, max_chars, strict=True):
        index = completion.rfind("Answer:")
        given = _numbers(completion[index + len("Answer:") :].split("\n", 1)[0]) if index >= 0 else None
        rewards.append(float(given is not None and given == _numbers(answer) and len(completion) <= limit))
    return rewards, {"correct": list(rewards)}
