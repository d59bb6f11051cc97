# --- rewardsmith adapter: what every trainer's entry point shares ------------------------------------
# The reward's own code stands above this line, with its compute_reward; this file needs nothing else.


def _rewardsmith_rewards(prompts, completions, answers, columns):
    """compute_reward's rewards as floats, checked to be one per completion."""
    rewards, _components = globals()["compute_reward"](list(prompts), list(completions), list(answers), **columns)
    rewards = [float(reward) for reward in rewards]
    if len(rewards) != len(completions):
        raise ValueError(f"compute_reward returned {len(rewards)} rewards for {len(completions)} completions")
    return rewards


def _rewardsmith_text(value):
    """The text of a completion or prompt, whether plain text or a conversation (the last message's content)."""
    if isinstance(value, list):
        return str(value[-1]["content"]) if value else ""
    return str(value)
