"""The built-in tasks that have a Gymnasium twin must reproduce its transitions.

Two checks per twin. Trajectories: our task in float64 and Gymnasium's env start from the same state
and take the same actions for several hundred steps, episode after episode, and are never resynced;
every transition's state, observation and termination must agree within 1e-5. Single transitions:
our task in float32 steps thousands of random states at once, and each must match Gymnasium's step
from the same state within float32 rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import pytest
import torch

from rewardsmith.tasks import BatchedTask, DiscreteSpace, load_task

TOLERANCE = 1e-5
TRAJECTORY_STEPS = 600  # per twin and policy, over as many episodes as that takes
RANDOM_STATES = 4096

Policy = Callable[[np.ndarray, np.random.Generator], "int | np.ndarray"]


@dataclass(frozen=True)
class Twin:
    """A built-in task and the Gymnasium env it must reproduce."""

    task: str
    env_id: str
    core: tuple[str, ...]
    """Our state variables, in the order of Gymnasium's ``state`` vector."""
    angles: tuple[str, ...]
    """Core variables wrapped into [-π, π]: compared modulo a full turn."""
    sample_states: Callable[[torch.Generator, int], torch.Tensor]
    """Random states ``[count, len(core)]`` for the single-transition check."""
    terminal_margin: Callable[[np.ndarray], float]
    """How far a Gymnasium state is from the termination boundary."""
    float32_tolerance: float = TOLERANCE
    """Relative and absolute tolerance of one float32 transition against Gymnasium's float64 one."""


def _uniform(generator: torch.Generator, count: int, bounds: list[tuple[float, float]]) -> torch.Tensor:
    low = torch.tensor([b[0] for b in bounds], dtype=torch.float64)
    high = torch.tensor([b[1] for b in bounds], dtype=torch.float64)
    return low + (high - low) * torch.rand((count, len(bounds)), generator=generator, dtype=torch.float64)


def _mountain_car_states(generator: torch.Generator, count: int) -> torch.Tensor:
    states = _uniform(generator, count, [(-1.2, 0.6), (-0.07, 0.07)])
    # Put some cars against the left wall, where the inelastic-wall branch decides the velocity.
    states[: count // 16, 0] = -1.2
    return states


def _mountain_car_margin(state: np.ndarray) -> float:
    position, velocity = float(state[0]), float(state[1])
    return max(0.45 - position, min(abs(position - 0.45), abs(velocity)))


TWINS = {
    twin.task: twin
    for twin in (
        Twin(
            task="cartpole",
            env_id="CartPole-v1",
            core=("cart_position", "cart_velocity", "pole_angle", "pole_angular_velocity"),
            angles=(),
            sample_states=lambda g, n: _uniform(g, n, [(-2.4, 2.4), (-3, 3), (-0.2, 0.2), (-3, 3)]),
            terminal_margin=lambda s: min(abs(2.4 - abs(s[0])), abs(12 * 2 * math.pi / 360 - abs(s[2]))),
        ),
        Twin(
            task="pendulum",
            env_id="Pendulum-v1",
            core=("angle", "angular_velocity"),
            angles=(),
            sample_states=lambda g, n: _uniform(g, n, [(-4 * math.pi, 4 * math.pi), (-8, 8)]),
            terminal_margin=lambda s: math.inf,
        ),
        Twin(
            task="mountain_car",
            env_id="MountainCarContinuous-v0",
            core=("position", "velocity"),
            angles=(),
            sample_states=_mountain_car_states,
            terminal_margin=_mountain_car_margin,
        ),
        Twin(
            task="acrobot",
            env_id="Acrobot-v1",
            core=("theta1", "theta2", "angular_velocity1", "angular_velocity2"),
            angles=("theta1", "theta2"),
            sample_states=lambda g, n: _uniform(
                g, n, [(-math.pi, math.pi)] * 2 + [(-4 * math.pi, 4 * math.pi), (-9 * math.pi, 9 * math.pi)]
            ),
            terminal_margin=lambda s: abs(-math.cos(s[0]) - math.cos(s[1] + s[0]) - 1.0),
            # One RK4 step of 0.2 s at elbow speeds near 9π rad/s amplifies float32 rounding about a
            # thousandfold in the worst 0.5% of random states (float64 agrees to 1e-13).
            float32_tolerance=1e-4,
        ),
    )
}


# --------------------------------------------------------------------------------------------------
# Policies: they see Gymnasium's observation, and both sides get the action they pick.


def _random_policy(task_class: type[BatchedTask]) -> Policy:
    space = task_class.spec.action_space

    def policy(observation: np.ndarray, rng: np.random.Generator) -> int | np.ndarray:
        if isinstance(space, DiscreteSpace):
            return int(rng.integers(space.n))
        # Draw past the bounds a third of the time, so that both sides' clipping is exercised.
        low, high = 1.5 * space.low, 1.5 * space.high
        return _exact_action(rng.uniform(low, high, size=space.shape))

    return policy


def _exact_action(action: np.ndarray) -> np.ndarray:
    # float32 values held in float64: a float32 task takes them exactly, and Gymnasium computes with
    # float64 as our float64 task does (given float32 it would round 3·u to float32 in Pendulum).
    return np.asarray(action, dtype=np.float32).astype(np.float64)


def _mountain_car_pump(observation: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # Push along the velocity, with some noise: reaches the flag, so termination is compared too.
    push = 1.0 if observation[1] >= 0 else -1.0
    return _exact_action(np.array([push if rng.random() > 0.2 else rng.uniform(-1, 1)]))


def _acrobot_pump(observation: np.ndarray, rng: np.random.Generator) -> int:
    # Torque against the shoulder's swing pumps energy in; reaches the goal in about 90 steps.
    if rng.random() < 0.2:
        return int(rng.integers(3))
    return 0 if observation[4] > 0 else 2


def _policies(name: str) -> dict[str, Policy]:
    policies = {"random": _random_policy(load_task(name))}
    if name == "mountain_car":
        policies["pump"] = _mountain_car_pump
    if name == "acrobot":
        policies["pump"] = _acrobot_pump
    return policies


# --------------------------------------------------------------------------------------------------
# Helpers.


def _make_env(twin: Twin) -> gym.Env:
    # The bare env: TimeLimit and the checkers would stand between us and ``state``.
    return gym.make(twin.env_id).unwrapped


def _our_state(task: BatchedTask, core: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    # Tasks with derived state variables build them from the integrated ones.
    complete = getattr(task, "complete_state", None)
    return complete(**core) if complete is not None else core


def _our_action(task: BatchedTask, action: int | np.ndarray) -> torch.Tensor:
    if isinstance(task.spec.action_space, DiscreteSpace):
        return torch.tensor([action])
    return torch.as_tensor(action).reshape(1, *task.action_shape)


def _state_error(twin: Twin, ours: torch.Tensor, theirs: torch.Tensor) -> torch.Tensor:
    """Absolute difference per element; wrapped angles differ modulo a full turn."""
    diff = ours.to(torch.float64) - theirs.to(torch.float64)
    for index, name in enumerate(twin.core):
        if name in twin.angles:
            diff[..., index] = torch.remainder(diff[..., index] + math.pi, 2 * math.pi) - math.pi
    return diff.abs()


# --------------------------------------------------------------------------------------------------
# Trajectories in float64.


@pytest.mark.parametrize(
    ("name", "policy_name"),
    [(name, policy) for name in TWINS for policy in _policies(name)],
)
def test_trajectories_match_gymnasium(name: str, policy_name: str) -> None:
    twin = TWINS[name]
    policy = _policies(name)[policy_name]
    task = load_task(name)(num_envs=1, seed=0, dtype=torch.float64)
    task.reset()
    env = _make_env(twin)
    rng = np.random.default_rng(12345)
    episode_length = task.spec.episode_length

    steps = episodes = terminations = 0
    while steps < TRAJECTORY_STEPS:
        # Gymnasium draws the start state; both sides then start from its float64 value.
        their_observation, _ = env.reset(seed=episodes)
        start = np.asarray(env.state, dtype=np.float64).copy()
        env.state = start.copy()
        core = {n: torch.tensor([v], dtype=torch.float64) for n, v in zip(twin.core, start, strict=True)}
        observation = task.set_state(_our_state(task, core))
        np.testing.assert_allclose(observation[0].numpy(), their_observation, atol=TOLERANCE)

        for t in range(1, episode_length + 1):
            action = policy(their_observation, rng)
            their_observation, _, their_terminated, _, _ = env.step(action)
            out = task.step(_our_action(task, action))
            where = f"{name}/{policy_name} episode {episodes} step {t}"

            ours = torch.stack([out.state[n][0] for n in twin.core])
            theirs = torch.as_tensor(np.asarray(env.state, dtype=np.float64))
            error = _state_error(twin, ours, theirs)
            assert float(error.max()) <= TOLERANCE, f"{where}: state differs by {error.tolist()}"
            np.testing.assert_allclose(
                out.final_observation[0].numpy(), their_observation, atol=TOLERANCE, err_msg=where
            )
            assert bool(out.terminated[0]) == bool(their_terminated), f"{where}: termination differs"
            assert bool(out.truncated[0]) == (t == episode_length and not their_terminated), where
            steps += 1
            if their_terminated:
                terminations += 1
                break
        episodes += 1

    if policy_name == "pump" or name == "cartpole":
        assert terminations >= 3, "the policy was meant to reach termination several times"


# --------------------------------------------------------------------------------------------------
# Single transitions in float32.


@pytest.mark.parametrize("name", list(TWINS))
def test_single_transitions_match_gymnasium_in_float32(name: str) -> None:
    twin = TWINS[name]
    task_class = load_task(name)
    task = task_class(num_envs=RANDOM_STATES, seed=0, dtype=torch.float32)
    task.reset()
    generator = torch.Generator().manual_seed(7)
    states = twin.sample_states(generator, RANDOM_STATES).to(torch.float32)
    core = {n: states[:, i].clone() for i, n in enumerate(twin.core)}
    task.set_state(_our_state(task, core))

    rng = np.random.default_rng(7)
    policy = _random_policy(task_class)
    blind = np.zeros(task.spec.observation.size, dtype=np.float32)
    actions = [policy(blind, rng) for _ in range(RANDOM_STATES)]
    if isinstance(task.spec.action_space, DiscreteSpace):
        out = task.step(torch.tensor(actions))
    else:
        out = task.step(torch.as_tensor(np.stack(actions)))

    env = _make_env(twin)
    env.reset(seed=0)
    their_states, their_observations, their_terminated, margins = [], [], [], []
    for i in range(RANDOM_STATES):
        env.state = states[i].to(torch.float64).numpy().copy()
        if hasattr(env, "steps_beyond_terminated"):
            env.steps_beyond_terminated = None  # CartPole warns when stepped past its end
        observation, _, terminated, _, _ = env.step(actions[i])
        state = np.asarray(env.state, dtype=np.float64)
        their_states.append(state)
        their_observations.append(observation)
        their_terminated.append(terminated)
        margins.append(twin.terminal_margin(state))

    ours = torch.stack([out.state[n] for n in twin.core], dim=-1)
    theirs = torch.as_tensor(np.stack(their_states))
    error = _state_error(twin, ours, theirs)
    allowed = twin.float32_tolerance * (1 + theirs.abs())
    worst = int((error - allowed).max(dim=-1).values.argmax())
    assert bool((error <= allowed).all()), (
        f"{name}: from state {states[worst].tolist()} with action {actions[worst]}, ours went to "
        f"{ours[worst].tolist()} and Gymnasium's to {theirs[worst].tolist()}"
    )
    # Not torch.testing.assert_close: its first call imports torch.distributed, over a second.
    their_observation = torch.as_tensor(np.stack(their_observations))
    observation_error = (out.final_observation - their_observation).abs()
    assert bool((observation_error <= twin.float32_tolerance * (1 + their_observation.abs())).all())
    # Where a state lies within float32 rounding of the boundary, either answer is right.
    clear = torch.tensor(margins) > 1e-4
    their_terminated_tensor = torch.tensor(their_terminated)
    assert torch.equal(out.terminated[clear], their_terminated_tensor[clear])
    if name != "pendulum":
        assert bool(their_terminated_tensor.any()), "the sample should include terminal transitions"
