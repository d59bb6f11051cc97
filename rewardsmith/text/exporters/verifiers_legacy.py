# --- rewardsmith adapter for verifiers before verifiers.v1 (the legacy Rubric API) ----------------------
# Use: load_rubric() gives a verifiers Rubric (verifiers 0.1 to 0.3; 0.4 has only verifiers.v1, which the
# 'verifiers' target exports for); each row's info holds the task's columns.


def rewardsmith_reward(prompt, completion, answer, info=None, **kwargs):
    """A verifiers reward function: the reward of one completion; verifiers passes what it names."""
    columns = {key: [value] for key, value in dict(info or {}).items()}
    return _rewardsmith_rewards([_rewardsmith_text(prompt)], [_rewardsmith_text(completion)], [answer], columns)[0]  # noqa: F821 - defined by common.py, above it in an exported file


def load_rubric():
    """The reward as a verifiers Rubric of one function, weight 1 (the legacy Rubric API)."""
    import verifiers

    rubric = getattr(verifiers, "Rubric", None)
    if rubric is None:
        version = getattr(verifiers, "__version__", "?")
        raise ImportError(
            f"verifiers {version} has no Rubric (its API is verifiers.v1); this file needs the legacy API"
        )
    return rubric(funcs=[rewardsmith_reward], weights=[1.0])
