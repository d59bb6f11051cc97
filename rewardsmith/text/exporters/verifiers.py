# --- rewardsmith adapter for verifiers (verifiers.v1) -----------------------------------------------
# Use: plug the reward into a v1 task from its config, as verifiers plugs any reward hook:
#     [env.taskset.task.rewards]
#     rewardsmith = { fn = "<this file>:rewardsmith_reward" }
# or build tasks with rewardsmith_task(row) from the rows rewardsmith.text.export.dataset_rows writes.
# Each task's data holds 'answer' and, under 'info', the task's columns.


async def rewardsmith_reward(task, trace):
    """A verifiers.v1 reward hook: verifiers passes the task's data as ``task`` and the rollout as ``trace``."""
    reply = trace.root_reply
    if reply is None:
        # The reply as the policy wrote it: trace.last_reply strips it, and rewardsmith scores it unstripped.
        messages = trace.assistant_messages
        reply = messages[-1].content if messages else ""
        if not isinstance(reply, str):
            from verifiers.v1.types import content_text

            reply = content_text(reply)
    columns = {key: [value] for key, value in dict(getattr(task, "info", None) or {}).items()}
    answer = getattr(task, "answer", None)
    return _rewardsmith_rewards([task.prompt_text], [reply], [answer], columns)[0]  # noqa: F821 - defined by common.py, above it in an exported file


_REWARDSMITH_V1_TASK = []


def rewardsmith_task(row, config=None):
    """A verifiers.v1 Task for one row of rewardsmith.text.export.dataset_rows, scored by rewardsmith_reward."""
    if not _REWARDSMITH_V1_TASK:
        import verifiers.v1 as vf

        class RewardsmithData(vf.TaskData):
            answer: str | None = None
            info: dict | None = None

        class RewardsmithTask(vf.Task[RewardsmithData]):
            @vf.reward
            async def rewardsmith(self, trace):
                return await rewardsmith_reward(self.data, trace)

        _REWARDSMITH_V1_TASK.extend((RewardsmithData, RewardsmithTask))
    data_type, task_type = _REWARDSMITH_V1_TASK
    data = data_type(prompt=row["prompt"], answer=row.get("answer"), info=dict(row.get("info") or {}))
    return task_type(data, config)
