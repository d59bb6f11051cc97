"""Reference reward: the correct final number, a little for a well-formed answer line, nothing past the limit."""

import re


def compute_reward(prompts, completions, answers, max_chars, **columns):
    rewards, correct_terms, format_terms = [], [], []
    for completion, answer, limit in zip(completions, answers, max_chars, strict=True):
        index = completion.rfind("Answer:")
        given = completion[index + len("Answer:") :].split("\n", 1)[0].strip().rstrip(".") if index >= 0 else ""
        well_formed = re.fullmatch(r"[-+]?\d+(?:\.\d+)?", given) is not None
        within = len(completion) <= limit
        correct = float(well_formed and within and float(given) == float(answer))
        formatted = 0.1 * float(well_formed and within)
        correct_terms.append(correct)
        format_terms.append(formatted)
        rewards.append(correct + formatted)
    return rewards, {"correct": correct_terms, "format": format_terms}
