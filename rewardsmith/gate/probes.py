"""Scripted hack probes: policies that do nothing useful, in ways a reward can be fooled by.

A reward that pays one of these as well as it pays a policy that solves the task will be exploited
by PPO, which finds such behaviour in the first minutes of training. Rolling the probes out costs a
few seconds of environment steps, so the gate (:mod:`rewardsmith.gate.judge`) runs them before any
RL. Their names are :data:`rewardsmith.gate.exploits.ProbeName`; a label adds a variant's period
(``jitter/8``). Each probe is defined from the action space alone, so it applies to any task:

- ``idle``: the action nearest to zero, every step (standing still, coasting);
- ``random``: uniform random actions;
- ``jitter/N``: the two extreme actions in turn, switching every N/2 steps: back and forth in place
  (N = 2) and in longer sways that cover ground (N = 8, 24), since how far a sway carries depends
  on the system's inertia;
- ``circling``: a slow periodic action, rotating where the action has two or more dimensions
  (circles, spinning, swinging without purpose);
- ``early_termination``: of the constant extreme actions, the one whose episodes end soonest by
  termination without success; absent where no constant action ends an episode early.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import torch

from rewardsmith.tasks.instances import make_task
from rewardsmith.tasks.protocol import Task
from rewardsmith.tasks.spec import BoxSpace, DiscreteSpace
from rewardsmith.training.evaluate import Evaluation, PolicyFn, evaluate, no_reward

#: Full periods (in steps) of the jitter probes.
JITTER_PERIODS: tuple[int, ...] = (2, 8, 24)
#: Periods (in steps) of the circling probe: a fast wobble and a slow sweep, since which of the two
#: pumps a system depends on its natural frequency.
CIRCLING_PERIODS: tuple[int, ...] = (16, 48)
#: An early-termination probe must end its episodes in at most this share of the episode length.
EARLY_SHARE = 0.5


def _stepper(action_at: Callable[[int, int], torch.Tensor]) -> PolicyFn:
    # evaluate() starts every environment together, so one step counter serves the whole batch.
    step = [0]

    def policy(observation: torch.Tensor) -> torch.Tensor:
        action = action_at(step[0], observation.shape[0])
        step[0] += 1
        return action

    return policy


def constant_policy(action: torch.Tensor) -> PolicyFn:
    """The same policy action (an index for discrete spaces) every step."""
    return _stepper(lambda _step, count: action.expand(count, *action.shape).clone())


def probe_policies(task: Task, seed: int) -> dict[str, PolicyFn]:
    """Every probe but early termination (see :func:`early_termination_policy`), by label."""
    space = task.spec.action_space
    device = task.device
    generator = torch.Generator(device=device).manual_seed(seed)
    if isinstance(space, DiscreteSpace):
        values = torch.tensor(space.values)
        idle = torch.tensor(int(values.abs().argmin()), device=device)
        low, high = torch.tensor(int(values.argmin()), device=device), torch.tensor(int(values.argmax()), device=device)

        def random_action(_step: int, count: int) -> torch.Tensor:
            return torch.randint(space.n, (count,), generator=generator, device=device)

        def jitter(period: int) -> Callable[[int, int], torch.Tensor]:
            return lambda step, count: (high if (step // (period // 2)) % 2 == 0 else low).expand(count).clone()

        def circle(period: int) -> Callable[[int, int], torch.Tensor]:
            return lambda step, count: (high if (step // (period // 2)) % 2 == 0 else low).expand(count).clone()

    else:
        box: BoxSpace = space
        middle = min(max(0.0, box.low), box.high)
        idle = torch.full(box.shape, middle, device=device)
        amplitude = (box.high - box.low) / 2
        centre = (box.high + box.low) / 2

        def random_action(_step: int, count: int) -> torch.Tensor:
            uniform = torch.rand((count, *box.shape), generator=generator, device=device)
            return box.low + (box.high - box.low) * uniform

        def jitter(period: int) -> Callable[[int, int], torch.Tensor]:
            def action(step: int, count: int) -> torch.Tensor:
                value = box.high if (step // (period // 2)) % 2 == 0 else box.low
                return torch.full((count, *box.shape), value, device=device)

            return action

        def circle(period: int) -> Callable[[int, int], torch.Tensor]:
            size = math.prod(box.shape)

            def action(step: int, count: int) -> torch.Tensor:
                # Neighbouring elements a quarter period apart: a 2-D action traces a circle.
                phase = 2 * math.pi * step / period + torch.arange(size, device=device) * (math.pi / 2)
                values = centre + amplitude * torch.sin(phase)
                return values.reshape(box.shape).expand(count, *box.shape).clone()

            return action

    policies: dict[str, PolicyFn] = {
        "idle": constant_policy(idle),
        "random": _stepper(random_action),
    }
    for period in JITTER_PERIODS:
        policies[f"jitter/{period}"] = _stepper(jitter(period))
    for period in CIRCLING_PERIODS:
        policies[f"circling/{period}"] = _stepper(circle(period))
    return policies


def extreme_actions(task: Task) -> list[torch.Tensor]:
    """Each constant extreme action: every discrete value, or each corner of a box of up to 3 elements."""
    space = task.spec.action_space
    if isinstance(space, DiscreteSpace):
        return [torch.tensor(i, device=task.device) for i in range(space.n)]
    size = math.prod(space.shape)
    if size > 3:
        # 2**size corners grow too fast; the two uniform extremes stand in for them.
        return [torch.full(space.shape, value, device=task.device) for value in (space.low, space.high)]
    corners = torch.cartesian_prod(*[torch.tensor([space.low, space.high])] * size).reshape(-1, *space.shape)
    return [corner.to(task.device) for corner in corners]


def rollout(task: Task, policy: PolicyFn, seed: int, record_path: Path) -> Evaluation:
    """One episode in every environment of ``task`` under ``policy``, all recorded to ``record_path``."""
    return evaluate(task, policy, no_reward, seed=seed, record=task.num_envs, record_path=record_path)


def early_termination_policy(
    task_class: type[Task], episodes: int, seed: int, device: str, scratch: Path
) -> tuple[PolicyFn, str] | None:
    """The constant extreme action whose failing episodes end soonest by termination, or None.

    Returns:
        The policy and a label naming its action, or None when no constant action ends its episodes
        within :data:`EARLY_SHARE` of the episode length without solving the task.
    """
    spec = task_class.spec
    best: tuple[float, torch.Tensor] | None = None
    # One batch for every action: each rollout reseeds and resets it, so every action starts from the same states.
    task = make_task(task_class, num_envs=episodes, device=device, seed=seed)
    for index, action in enumerate(extreme_actions(task)):
        result = rollout(task, constant_policy(action), seed, scratch / f"extreme_{index}.npz")
        failed = [
            length
            for length, fitness in zip(result.episode_length, result.fitness, strict=True)
            if fitness < spec.fitness.solved_threshold
        ]
        if len(failed) < len(result.fitness):
            continue  # a constant action that solves the task is no hack probe
        mean_length = sum(failed) / len(failed)
        if mean_length <= EARLY_SHARE * spec.episode_length and (best is None or mean_length < best[0]):
            best = (mean_length, action)
    if best is None:
        return None
    action = best[1]
    return constant_policy(action), f"constant action {action.tolist()}"
