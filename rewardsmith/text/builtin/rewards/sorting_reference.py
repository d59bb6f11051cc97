"""Reference reward: the exact sorted list, plus a little for a list of the right numbers in any order."""


def _numbers(text):
    items = [item.strip() for item in text.strip().rstrip(".").split(",")]
    if not items or not all(item.lstrip("+-").isdigit() for item in items):
        return None
    return [int(item) for item in items]


def compute_reward(prompts, completions, answers, max_chars, **columns):
    rewards, correct_terms, same_terms = [], [], []
    for completion, answer, limit in zip(completions, answers, max_chars, strict=True):
        index = completion.rfind("Answer:")
        given = _numbers(completion[index + len("Answer:") :].split("\n", 1)[0]) if index >= 0 else None
        expected = _numbers(answer)
        within = len(completion) <= limit
        correct = float(given is not None and given == expected and within)
        same = 0.1 * float(given is not None and sorted(given) == expected and within)
        correct_terms.append(correct)
        same_terms.append(same)
        rewards.append(correct + same)
    return rewards, {"correct": correct_terms, "same_numbers": same_terms}
