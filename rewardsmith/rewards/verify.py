"""Verify a loaded reward on realistic states before any training.

The task is rolled out with uniformly random actions, so the sample contains freshly reset states
(``episode_step == 1`` after an autoreset) and terminal states (the last state of a failed episode,
before the reset), which is where careless reward code divides by zero or takes the log of a negative
number. The reward is called on each step's :attr:`~rewardsmith.tasks.StepOutput.state`, exactly as
in training, and every output is checked against the contract.
"""

from __future__ import annotations

import functools
import statistics
import time

import torch
from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.rewards.contract import check_output, check_unchanged, input_versions, unknown_parameter
from rewardsmith.rewards.errors import (
    RewardContractError,
    RewardError,
    TooSlowError,
    UnknownStateVariableError,
    WrongReturnTypeError,
)
from rewardsmith.rewards.loader import RewardFunction
from rewardsmith.tasks.protocol import Task
from rewardsmith.tasks.spec import DiscreteSpace

#: Above this magnitude a reward term dwarfs PPO's usual value scale and destabilises learning.
LARGE_MAGNITUDE = 1e3
#: Enough calls for a stable median; a reward already slower than the limit then stops early.
_MIN_TIMED_CALLS = 5


class ValueStats(BaseModel):
    """Statistics of one reward term over every sampled state (all envs, all steps)."""

    model_config = ConfigDict(frozen=True, ser_json_inf_nan="constants")

    mean: float = Field(description="Mean over sampled states.")
    std: float = Field(description="Population standard deviation over sampled states.")
    min: float = Field(description="Smallest value.")
    max: float = Field(description="Largest value.")


class VerifyResult(BaseModel):
    """The outcome of :func:`verify_reward`."""

    model_config = ConfigDict(frozen=True, ser_json_inf_nan="constants")

    ok: bool = Field(description="True when every call kept the contract within the time limit.")
    error: RewardError | None = Field(default=None, description="The first contract violation, if any.")
    task: str = Field(description="Name of the task the reward was verified on.")
    reward_sha256: str = Field(description="SHA-256 of the verified reward source.")
    parameters: tuple[str, ...] = Field(description="State variables the reward reads.")
    components: tuple[str, ...] = Field(default=(), description="Component names the reward returns.")
    component_stats: dict[str, ValueStats] = Field(
        default_factory=dict, description="Per-component statistics over the sampled states; empty on error."
    )
    total_stats: ValueStats | None = Field(default=None, description="Statistics of the total, or None.")
    ms_per_call: float | None = Field(default=None, description="Median wall time of one call, milliseconds.")
    max_ms_per_call: float = Field(description="The limit on ms_per_call that was applied.")
    calls: int = Field(description="Calls made before finishing or failing.")
    num_envs: int = Field(description="Environments per call.")
    device: str = Field(description="Device the task and reward ran on.")
    states_sampled: int = Field(description="States the reward was called on (calls × num_envs).")
    terminal_states: int = Field(description="How many of those were terminal states.")
    warnings: tuple[str, ...] = Field(default=(), description="Non-fatal findings for the designer.")


def verify_reward(
    reward: RewardFunction,
    task_class: type[Task],
    *,
    num_envs: int = 64,
    device: str | torch.device = "cpu",
    steps: int = 100,
    seed: int = 0,
    max_ms_per_call: float = 5.0,
) -> VerifyResult:
    """Call a reward on states sampled by random play and check every output.

    Args:
        reward: The loaded reward.
        task_class: The task to sample states from.
        num_envs: Environments per step, i.e. the batch the reward sees in each call.
        device: Device of the task, and so of the state.
        steps: Steps of random play; the reward is called once per step.
        seed: Seeds the task's initial states and the random actions.
        max_ms_per_call: Limit on the median wall time of one call. The default leaves a reward
            well below the cost of a PPO update at typical batch sizes.

    Returns:
        The result; ``ok`` is False and ``error`` says why when the reward breaks the contract.
        Errors of the task itself are not caught.

    Raises:
        ValueError: ``steps`` is not positive.
    """
    if steps < 1:
        raise ValueError(f"steps must be positive, got {steps}")
    task = task_class(num_envs=num_envs, device=device, seed=seed)
    base = {
        "task": task.spec.name,
        "reward_sha256": reward.sha256,
        "parameters": reward.parameters,
        "max_ms_per_call": max_ms_per_call,
        "num_envs": num_envs,
        "device": str(task.device),
    }
    sampler = _Sampler()
    try:
        _check_parameters(reward, task)
        _roll(reward, task, sampler, steps=steps, seed=seed, max_ms_per_call=max_ms_per_call)
    except RewardContractError as error:
        return VerifyResult(ok=False, error=error.to_model(), **sampler.progress(num_envs), **base)
    component_stats = {name: _stats(values) for name, values in sampler.components.items()}
    total_stats = _stats(sampler.totals)
    return VerifyResult(
        ok=True,
        components=tuple(component_stats),
        component_stats=component_stats,
        total_stats=total_stats,
        warnings=_warnings(component_stats, total_stats, len(sampler.times_ms) * num_envs),
        **sampler.progress(num_envs),
        **base,
    )


class _Sampler:
    """What the rollout has gathered so far."""

    def __init__(self) -> None:
        self.times_ms: list[float] = []
        self.totals: list[torch.Tensor] = []
        self.components: dict[str, list[torch.Tensor]] = {}
        self.names: tuple[str, ...] | None = None
        self.terminal = torch.zeros((), dtype=torch.int64)

    def progress(self, num_envs: int) -> dict[str, object]:
        return {
            "ms_per_call": statistics.median(self.times_ms) if self.times_ms else None,
            "calls": len(self.times_ms),
            "states_sampled": len(self.times_ms) * num_envs,
            "terminal_states": int(self.terminal),
        }


def _check_parameters(reward: RewardFunction, task: Task) -> None:
    # A reward loaded against one task's spec may be verified on another.
    unknown = unknown_parameter(reward.parameters, task.spec)
    if unknown is not None:
        raise UnknownStateVariableError(unknown)


def _roll(
    reward: RewardFunction,
    task: Task,
    sampler: _Sampler,
    *,
    steps: int,
    seed: int,
    max_ms_per_call: float,
) -> None:
    generator = torch.Generator(device=task.device)
    generator.manual_seed(seed)
    # Kernels run asynchronously on a GPU; without a sync the timer would measure only the launches.
    synchronize = _no_op
    if task.device.type == "cuda":
        synchronize = functools.partial(torch.cuda.synchronize, task.device)
    task.reset()
    sampler.terminal = torch.zeros((), dtype=torch.int64, device=task.device)
    with torch.no_grad():
        for _ in range(steps):
            output = task.step(_random_action(task, generator))
            inputs = reward.inputs(output.state)
            versions = input_versions(inputs)
            synchronize()
            start = time.perf_counter()
            try:
                result = reward(output.state)
                synchronize()
            except (Exception, SystemExit) as error:
                raise reward.runtime_error(error, inputs) from None
            sampler.times_ms.append((time.perf_counter() - start) * 1e3)
            sampler.terminal += output.terminated.sum()

            check_unchanged(inputs, versions)
            checked = check_output(result, task.num_envs, task.device, inputs)
            names = tuple(checked.components)
            if sampler.names is None:
                sampler.names = names
            elif set(names) != set(sampler.names):
                # Training logs each component as a series; one that comes and goes cannot be logged.
                raise WrongReturnTypeError(
                    f"The component names changed between calls: first {sorted(sampler.names)}, "
                    f"then {sorted(names)}. Return the same components on every call "
                    "(use zeros where a term does not apply)."
                )
            sampler.totals.append(checked.total.detach())
            for name, value in checked.components.items():
                sampler.components.setdefault(name, []).append(value.detach())

            calls = len(sampler.times_ms)
            median = statistics.median(sampler.times_ms)
            if median > max_ms_per_call and calls >= min(_MIN_TIMED_CALLS, steps):
                raise TooSlowError(
                    f"compute_reward takes {median:.3g} ms per call (median of {calls} calls on "
                    f"{task.num_envs} envs, {task.device.type}); the limit is {max_ms_per_call:.3g} ms. "
                    "Vectorise it: operate on whole [num_envs] tensors, with no Python loops over "
                    "environments and no .item()/.tolist()."
                )


def _random_action(task: Task, generator: torch.Generator) -> torch.Tensor:
    space = task.spec.action_space
    if isinstance(space, DiscreteSpace):
        return torch.randint(space.n, (task.num_envs,), generator=generator, device=task.device)
    uniform = torch.rand((task.num_envs, *space.shape), generator=generator, device=task.device)
    return space.low + (space.high - space.low) * uniform


def _stats(values: list[torch.Tensor]) -> ValueStats:
    flat = torch.cat(values).double()
    mean, std, low, high = torch.stack([flat.mean(), flat.std(correction=0), flat.min(), flat.max()]).tolist()
    return ValueStats(mean=mean, std=std, min=low, max=high)


def _warnings(component_stats: dict[str, ValueStats], total_stats: ValueStats, states: int) -> tuple[str, ...]:
    found = []
    if not component_stats:
        found.append("No components are returned; name the terms so that training can log and analyse them.")
    labelled = [(f"Component '{name}'", stats) for name, stats in component_stats.items()]
    for label, stats in [*labelled, ("The total", total_stats)]:
        if stats.max == stats.min:
            found.append(
                f"{label} was constant ({stats.max:.4g}) on all {states} states from random play. Fine for "
                "an alive bonus or a rare success bonus; a shaping term that never varies gives no signal."
            )
        magnitude = max(abs(stats.min), abs(stats.max))
        if magnitude > LARGE_MAGNITUDE:
            found.append(
                f"{label} reaches |{magnitude:.3g}| (above {LARGE_MAGNITUDE:.0e}); rescale it, since large "
                "rewards destabilise PPO's value learning."
            )
    return tuple(found)


def _no_op() -> None:
    return None
