"""Helpers shared by the agent tests: design requests and recorded episodes of built-in tasks."""

from __future__ import annotations

from pathlib import Path

import torch

from rewardsmith.agents import RuleBasedSpecWriter
from rewardsmith.agents.context import designer_context
from rewardsmith.agents.protocols import Designer
from rewardsmith.agents.types import Candidate, DesignRequest
from rewardsmith.llm import CallLog, RecordingModel, RetryPolicy, make_chat_model, parse_llm_choice
from rewardsmith.loop.record import candidate_id
from rewardsmith.tasks import BatchedTask, BoxSpace, task_names
from rewardsmith.training import evaluate
from tests.llm.scripted_server import ScriptedServer

BUILTIN_TASKS = task_names()


def design_request(
    task: type[BatchedTask], *, iteration: int = 1, samples: int = 4, seed: int = 0, **extra
) -> DesignRequest:
    """A design request for ``task`` under its rule-based v1 rubric."""
    return DesignRequest(
        task=task.spec,
        context=designer_context(task),
        rubric=RuleBasedSpecWriter().initial(task.spec),
        iteration=iteration,
        samples=samples,
        seed=seed,
        **extra,
    )


def designed(designer: Designer, request: DesignRequest) -> list[Candidate]:
    """The round ``designer`` writes for ``request``, named as the loop names it."""
    return [
        Candidate.of(draft, candidate_id=candidate_id(request.iteration, index), iteration=request.iteration)
        for index, draft in enumerate(designer.design(request))
    ]


def record_random_episodes(task_class: type[BatchedTask], path: Path, episodes: int = 2) -> Path:
    """Record whole episodes of a uniformly random policy, as training's evaluation records them."""
    task = task_class(num_envs=episodes, device="cpu", seed=0)
    generator = torch.Generator().manual_seed(0)
    space = task_class.spec.action_space

    def policy(observation: torch.Tensor) -> torch.Tensor:
        if isinstance(space, BoxSpace):
            return torch.rand((episodes, *space.shape), generator=generator) * (space.high - space.low) + space.low
        return torch.randint(space.n, (episodes,), generator=generator)

    def no_reward(state: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        zero = torch.zeros(episodes)
        return zero, {"zero": zero}

    evaluate(task, policy, no_reward, seed=0, record=episodes, record_path=path)
    return path


def scripted_chat(server: ScriptedServer, log: CallLog, agent: str, attempts: int = 3) -> RecordingModel:
    """A recording chat model on the scripted server, through the real openai SDK, with fast retries."""
    retry = RetryPolicy(attempts=attempts, base_delay_s=0.001, max_delay_s=0.01, max_retry_after_s=0.05)
    model = make_chat_model(parse_llm_choice(f"openai-compatible:scripted@{server.url}"), retry=retry, timeout_s=20)
    return RecordingModel(model, log, agent)
