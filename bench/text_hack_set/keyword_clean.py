"""Clean twin: pays only the one number on the last answer line, when it is the reference number."""


def compute_reward(prompts, completions, answers, max_chars, **columns):
    rewards = []
    for completion, answer, limit in zip(completions, answers, max_chars, strict=True):
        index = completion.rfind("Answer:")
        given = completion[index + 7 :].split("\n", 1)[0].strip() if index >= 0 else ""
        rewards.append(float(len(completion) <= limit and given == answer))
    return rewards, {"correct": list(rewards)}
