"""Scores exported rewards in verifiers.v1 itself; run by ``bench/export_verifiers.py`` in verifiers' venv.

It imports no rewardsmith. For each case (an exported file, a dataset row, a completion and rewardsmith's
reward for it) it scores the completion twice through ``Task.score``: the file's ``rewardsmith_reward``
plugged by path in ``TaskConfig.rewards`` (as ``[env.taskset.task.rewards]`` plugs it, through
``verifiers.v1.utils.loaders.load_plugged_fn``) on a plain ``vf.Task`` of ``WireTaskData``, and the task
the file's own ``rewardsmith_task(row)`` builds. Prints a JSON line of the counts.

Usage::

    VENV/bin/python bench/export_verifiers_v1_scorer.py CASES.json
"""

import asyncio
import importlib.metadata
import json
import sys
from pathlib import Path

import verifiers.v1 as vf
from verifiers.v1.graph import MessageNode
from verifiers.v1.types import AssistantMessage, UserMessage
from verifiers.v1.utils.loaders import file_module


def trace_of(data, completion):
    """A one-turn rollout whose sampled reply is ``completion``, as verifiers' own tests build one."""
    return vf.Trace(
        agent=vf.AgentInfo(config=vf.AgentConfig()),
        task=vf.TraceTask(type="Task", data=data),
        nodes=[
            MessageNode(parent=None, message=UserMessage(content=data.prompt), sampled=False),
            MessageNode(parent=0, message=AssistantMessage(content=completion), sampled=True),
        ],
    )


async def main(cases):
    plugged = built = 0
    for case in cases:
        row = case["row"]
        config = vf.TaskConfig(rewards={"rewardsmith": {"fn": f"{case['file']}:rewardsmith_reward"}})
        task = vf.Task(vf.WireTaskData(prompt=row["prompt"], answer=row["answer"], info=row["info"]), config)
        trace = trace_of(task.data, case["completion"])
        await task.score(trace)
        plugged += trace.reward == case["expected"] and trace.rewards["rewardsmith"].score == case["expected"]
        own = file_module(case["file"]).rewardsmith_task(row)
        trace = trace_of(own.data, case["completion"])
        await own.score(trace)
        built += trace.reward == case["expected"]
    version = importlib.metadata.version("verifiers")
    return {"verifiers": version, "cases": len(cases), "plugged": plugged, "built": built}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(Path(sys.argv[1]).read_text())))))
