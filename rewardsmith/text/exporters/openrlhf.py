# --- rewardsmith adapter for OpenRLHF ---------------------------------------------------------------
# Use: --remote_rm_url <this file>, with each row's label the JSON that rewardsmith.text.export.openrlhf_label
# writes ({"answer": ..., "columns": {...}}).
import json as _rewardsmith_json


def reward_func(queries, prompts, labels, **kwargs):
    """OpenRLHF's reward function: queries are prompt and response together; labels carry answer and columns."""
    import torch

    pairs = zip(queries, prompts, strict=True)
    completions = [query[len(prompt) :] if query.startswith(prompt) else query for query, prompt in pairs]
    decoded = [_rewardsmith_json.loads(label) for label in labels]
    names = sorted({name for label in decoded for name in label.get("columns", {})})
    columns = {name: [label.get("columns", {}).get(name) for label in decoded] for name in names}
    answers = [label.get("answer") for label in decoded]
    rewards = torch.tensor(_rewardsmith_rewards(list(prompts), completions, answers, columns), dtype=torch.float32)  # noqa: F821 - defined by common.py, above it in an exported file
    return {"rewards": rewards, "scores": rewards, "extra_logs": {}}
