"""Sparse reward: the share of the given facts a summary mentions, and 0 over the word limit."""


def compute_reward(prompts, completions, answers, facts, max_words, **columns):
    rewards = []
    for completion, wanted, limit in zip(completions, facts, max_words, strict=True):
        text = completion.lower()
        covered = sum(fact.lower() in text for fact in wanted) / len(wanted)
        rewards.append(covered if len(completion.split()) <= limit else 0.0)
    return rewards, {"facts": list(rewards)}
