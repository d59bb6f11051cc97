# --- rewardsmith adapter for TRL's GRPOTrainer ------------------------------------------------------
# Use: GRPOTrainer(..., reward_funcs=[reward_func]) on a dataset with the columns 'prompt', 'answer' and the
# task's own columns (rewardsmith.text.export.dataset_rows writes them).

#: Keyword arguments TRL adds to the dataset's columns, and the columns rewardsmith writes for other
#: trainers: none of them is the reward's.
_TRL_ARGUMENTS = ("completion_ids", "trainer_state", "log_extra", "log_metric", "environments", "info", "extra_info")


def reward_func(prompts, completions, **kwargs):
    """TRL's reward function: one float per completion; dataset columns arrive by name."""
    columns = {key: value for key, value in kwargs.items() if key not in _TRL_ARGUMENTS}
    answers = columns.pop("answer", [None] * len(completions))
    texts = [_rewardsmith_text(completion) for completion in completions]  # noqa: F821 - defined by common.py, above it in an exported file
    return _rewardsmith_rewards([_rewardsmith_text(prompt) for prompt in prompts], texts, answers, columns)  # noqa: F821 - defined by common.py, above it in an exported file
