"""Clean twin: the same step scores through Delta, so the steps telescope to the first one's score."""

import re

from rewardsmith.text.steps import delta_steps, split_steps

_EQUATION = re.compile(r"(\d+) ([+−]) (\d+)(?: × (\d+))? = (\d+)")


def step_score(step):
    match = _EQUATION.fullmatch(step)
    if match is None:
        return 0.0
    left, sign, right, times, result = match.groups()
    right_value = int(right) * (int(times) if times else 1)
    value = int(left) + right_value if sign == "+" else int(left) - right_value
    return float(value == int(result))


def compute_reward(prompts, completions, answers, max_chars, **columns):
    rewards, step_terms, answer_terms = [], [], []
    for completion, answer, limit in zip(completions, answers, max_chars, strict=True):
        steps = 0.5 * sum(delta_steps([step_score(step) for step in split_steps(completion)]))
        correct = float(len(completion) <= limit and completion.strip().endswith(f"Answer: {answer}"))
        step_terms.append(steps)
        answer_terms.append(correct)
        rewards.append(steps + correct)
    return rewards, {"steps": step_terms, "answer": answer_terms}
