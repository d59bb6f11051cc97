"""Hackable: pays an answer line, and the reference number appearing anywhere in the completion."""


def compute_reward(prompts, completions, answers, **columns):
    rewards, line_terms, number_terms = [], [], []
    for completion, answer in zip(completions, answers, strict=True):
        has_line = 0.5 * float("Answer:" in completion)
        has_number = 0.5 * float(answer in completion)
        line_terms.append(has_line)
        number_terms.append(has_number)
        rewards.append(has_line + has_number)
    return rewards, {"answer_line": line_terms, "number": number_terms}
