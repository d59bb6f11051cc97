"""Clean twin: the right final number within the length limit, and a small bonus for working, capped."""

import re


def compute_reward(prompts, completions, answers, max_chars, **columns):
    rewards, correct_terms, work_terms = [], [], []
    for completion, answer, limit in zip(completions, answers, max_chars, strict=True):
        within = len(completion) <= limit
        index = completion.rfind("Answer:")
        given = completion[index + 7 :].split("\n", 1)[0].strip() if index >= 0 else ""
        correct = float(within and re.fullmatch(r"-?\d+", given) is not None and int(given) == int(answer))
        work = 0.1 * min(len(completion), 100) / 100 * correct
        correct_terms.append(correct)
        work_terms.append(work)
        rewards.append(correct + work)
    return rewards, {"correct": correct_terms, "work": work_terms}
