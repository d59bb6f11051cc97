# --- rewardsmith adapter for verl -------------------------------------------------------------------
# Use: custom_reward_function.path=<this file> custom_reward_function.name=compute_score; each row's
# extra_info holds 'prompt' and the task's columns (rewardsmith.text.export.dataset_rows writes them).


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl's per-sample score: the reward of one completion."""
    info = dict(extra_info or {})
    prompt = str(info.pop("prompt", ""))
    columns = {key: [value] for key, value in info.items() if key != "index"}
    return _rewardsmith_rewards([prompt], [str(solution_str)], [ground_truth], columns)[0]  # noqa: F821 - defined by common.py, above it in an exported file
