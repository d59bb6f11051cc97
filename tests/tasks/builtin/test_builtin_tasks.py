"""Every built-in task: sound random rollouts, working reward files, reachable and meaningful fitness.

A hand-written controller per task shows that its solved threshold can be reached, while idle and
random policies stay well below it; the reference and sparse rewards must both rank the controller
above them. Then each task's own physics and episode rules are checked on hand-picked states.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest
import torch

from rewardsmith.rewards import load_reward, verify_reward
from rewardsmith.tasks import BatchedTask, DiscreteSpace, State, load_task
from rewardsmith.tasks.builtin import acrobot, mountain_car, pendulum, point_reach
from tests.tasks.families import TORCH_TASKS

NUM_ENVS = 64
RANDOM_STEPS = 300

Policy = Callable[[State, torch.Generator], torch.Tensor]


# --------------------------------------------------------------------------------------------------
# Policies. Each maps the current state to a policy action for every environment.


def _idle(task_class: type[BatchedTask]) -> Policy:
    space = task_class.spec.action_space
    if isinstance(space, DiscreteSpace):
        index = min(range(space.n), key=lambda i: abs(space.values[i]))
        return lambda state, generator: torch.full((NUM_ENVS,), index)
    return lambda state, generator: torch.zeros(NUM_ENVS, *space.shape)


def _random(task_class: type[BatchedTask]) -> Policy:
    space = task_class.spec.action_space
    if isinstance(space, DiscreteSpace):
        return lambda state, generator: torch.randint(space.n, (NUM_ENVS,), generator=generator)

    def policy(state: State, generator: torch.Generator) -> torch.Tensor:
        # Half again as wide as the box, so that clipping is part of every random rollout.
        uniform = torch.rand((NUM_ENVS, *space.shape), generator=generator)
        return 1.5 * (space.low + (space.high - space.low) * uniform)

    return policy


def _cartpole_expert(state: State, generator: torch.Generator) -> torch.Tensor:
    # Push towards where the pole is falling, with a little cart centring.
    lean = (
        state["pole_angle"]
        + 0.5 * state["pole_angular_velocity"]
        + 0.05 * state["cart_position"]
        + 0.1 * state["cart_velocity"]
    )
    return (lean > 0).long()


def _pendulum_expert(state: State, generator: torch.Generator) -> torch.Tensor:
    # Energy pumping (θ̈ = 15 sin θ + 3u conserves 0.5·θ̇² + 15·cos θ, which is 15 upright at rest),
    # then a PD catch near the top.
    theta, omega = state["normalized_angle"], state["angular_velocity"]
    energy = 0.5 * omega**2 + 15 * torch.cos(theta)
    pump = 2.0 * torch.sign((15 - energy) * omega + 1e-9)
    catch = -(10 * theta + 2 * omega)
    return torch.where(theta.abs() < 0.6, catch, pump).clamp(-2, 2)[:, None]


def _mountain_car_expert(state: State, generator: torch.Generator) -> torch.Tensor:
    # Full throttle along the velocity builds momentum every swing.
    return torch.where(state["velocity"] >= 0, 1.0, -1.0)[:, None]


def _acrobot_expert(state: State, generator: torch.Generator) -> torch.Tensor:
    # Elbow torque against the shoulder's swing pumps energy into the chain.
    return torch.where(state["angular_velocity1"] > 0, 0, 2)


def _point_reach_expert(state: State, generator: torch.Generator) -> torch.Tensor:
    # Steer for a waypoint beside the obstacle, on the start's side, then for the goal.
    position, velocity = state["position"], state["velocity"]
    side = torch.where(position[:, 1:] >= 0, 1.0, -1.0)
    waypoint = torch.cat((torch.zeros_like(side), 0.5 * side), dim=-1)
    target = torch.where(position[:, :1] < 0, waypoint, state["goal_position"])
    return (4 * (target - position) - velocity).clamp(-1, 1)


EXPERTS: dict[str, Policy] = {
    "cartpole": _cartpole_expert,
    "pendulum": _pendulum_expert,
    "mountain_car": _mountain_car_expert,
    "acrobot": _acrobot_expert,
    "point_reach": _point_reach_expert,
}


def _policy(name: str, kind: str) -> Policy:
    task_class = load_task(name)
    return {"expert": EXPERTS[name], "idle": _idle(task_class), "random": _random(task_class)}[kind]


# --------------------------------------------------------------------------------------------------
# Reward files, loaded as plain modules from the package.


def _reward_module(task: str, kind: str) -> ModuleType:
    path = resources.files("rewardsmith.tasks.builtin").joinpath("rewards", f"{task}_{kind}.py")
    spec = importlib.util.spec_from_file_location(f"_reward_{task}_{kind}", str(path))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _call_reward(module: ModuleType, state: State) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    parameters = inspect.signature(module.compute_reward).parameters
    return module.compute_reward(**{name: state[name] for name in parameters})


# --------------------------------------------------------------------------------------------------
# First-episode rollouts: every environment runs one whole episode.


@dataclass(frozen=True)
class Episodes:
    fitness: torch.Tensor
    """Fitness of each environment's first episode."""
    sparse_return: torch.Tensor
    reference_return: torch.Tensor


@functools.cache
def _first_episodes(name: str, kind: str) -> Episodes:
    task = load_task(name)(num_envs=NUM_ENVS, seed=1)
    task.reset()
    policy = _policy(name, kind)
    generator = torch.Generator().manual_seed(2)
    rewards = {k: _reward_module(name, k) for k in ("sparse", "reference")}
    fitness = torch.full((NUM_ENVS,), math.nan)
    returns = {k: torch.zeros(NUM_ENVS) for k in rewards}
    running = torch.ones(NUM_ENVS, dtype=torch.bool)
    for _ in range(task.spec.episode_length):
        out = task.step(policy(task.state, generator))
        for k, module in rewards.items():
            total, _ = _call_reward(module, out.state)
            returns[k] += torch.where(running, total.float(), 0.0)
        fitness = torch.where(running & out.done, out.episode_fitness, fitness)
        running &= ~out.done
        if not bool(running.any()):
            break
    assert not bool(running.any()), "every first episode ends within episode_length"
    return Episodes(fitness=fitness, sparse_return=returns["sparse"], reference_return=returns["reference"])


# --------------------------------------------------------------------------------------------------
# Random rollouts.


@pytest.mark.parametrize("name", TORCH_TASKS)
def test_random_rollout_is_sound(name: str) -> None:
    task_class = load_task(name)
    spec = task_class.spec
    task = task_class(num_envs=NUM_ENVS, seed=0)
    task.reset()
    policy = _random(task_class)
    generator = torch.Generator().manual_seed(0)
    finished = 0
    for _ in range(RANDOM_STEPS):
        out = task.step(policy(task.state, generator))
        for variable in spec.state_variables:
            value = out.state[variable.name]
            assert tuple(value.shape) == (NUM_ENVS, *variable.shape), variable.name
            if value.is_floating_point():
                assert bool(torch.isfinite(value).all()), f"{variable.name} is not finite"
        for observation in (out.observation, out.final_observation):
            assert observation.shape == (NUM_ENVS, spec.observation.size)
            assert observation.dtype == torch.float32
            assert bool(torch.isfinite(observation).all())
        done = out.done
        fitness = out.episode_fitness[done]
        assert bool(((fitness >= spec.fitness.low) & (fitness <= spec.fitness.high)).all()), fitness
        assert bool(torch.isnan(out.episode_fitness[~done]).all())
        assert bool((out.episode_length[done] >= 1).all())
        assert bool((out.episode_length[done] <= spec.episode_length).all())
        assert not bool((out.terminated & out.truncated).any())
        finished += int(done.sum())
    if spec.episode_length <= RANDOM_STEPS:
        assert finished >= NUM_ENVS


@pytest.mark.parametrize("name", TORCH_TASKS)
@pytest.mark.parametrize("kind", ["sparse", "reference"])
def test_reward_files_keep_the_contract(name: str, kind: str) -> None:
    spec = load_task(name).spec
    module = _reward_module(name, kind)
    assert getattr(spec, f"{kind}_reward_code") == inspect.getsource(module)
    assert set(inspect.signature(module.compute_reward).parameters) <= set(spec.state_variable_names)

    task = load_task(name)(num_envs=NUM_ENVS, seed=0)
    task.reset()
    policy = _random(load_task(name))
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        out = task.step(policy(task.state, generator))
        total, components = _call_reward(module, out.state)
        assert total.shape == (NUM_ENVS,)
        assert total.is_floating_point()
        assert bool(torch.isfinite(total).all())
        assert components, "components must be named"
        for component, value in components.items():
            assert isinstance(component, str) and component
            assert value.shape == (NUM_ENVS,), component
        assert torch.allclose(total, sum(components.values()), atol=1e-5), "components should add up"


@pytest.mark.parametrize("name", TORCH_TASKS)
@pytest.mark.parametrize("kind", ["sparse", "reference"])
def test_reward_files_pass_verification(name: str, kind: str, tmp_path: Path) -> None:
    # The path every designed reward takes: loaded from text, then called on random-play states.
    task_class = load_task(name)
    reward = load_reward(getattr(task_class.spec, f"{kind}_reward_code"), task_class.spec, workdir=tmp_path)
    result = verify_reward(reward, task_class, num_envs=16, steps=20)
    assert result.ok, result.error


# --------------------------------------------------------------------------------------------------
# Fitness is reachable and meaningful.


@pytest.mark.parametrize("name", TORCH_TASKS)
def test_expert_reaches_the_solved_threshold(name: str) -> None:
    fitness = load_task(name).spec.fitness
    mean = float(_first_episodes(name, "expert").fitness.mean())
    assert mean >= fitness.solved_threshold, f"expert scored {mean:.3f}"


@pytest.mark.parametrize("name", TORCH_TASKS)
@pytest.mark.parametrize("kind", ["idle", "random"])
def test_trivial_policies_score_far_below_the_threshold(name: str, kind: str) -> None:
    fitness = load_task(name).spec.fitness
    mean = float(_first_episodes(name, kind).fitness.mean())
    floor = fitness.low + 0.2 * (fitness.solved_threshold - fitness.low)
    assert mean <= floor, f"{kind} scored {mean:.3f}"


@pytest.mark.parametrize("name", TORCH_TASKS)
@pytest.mark.parametrize("kind", ["idle", "random"])
def test_rewards_prefer_the_expert(name: str, kind: str) -> None:
    expert, trivial = _first_episodes(name, "expert"), _first_episodes(name, kind)
    assert float(expert.reference_return.mean()) > float(trivial.reference_return.mean())
    assert float(expert.sparse_return.mean()) > float(trivial.sparse_return.mean())


# --------------------------------------------------------------------------------------------------
# Pendulum.


def _step_from(task: BatchedTask, state: State, action: torch.Tensor) -> State:
    task.set_state(state)
    return task.step(action).state


def test_pendulum_angles() -> None:
    task = pendulum.Pendulum(num_envs=5, seed=0, dtype=torch.float64)
    task.reset()
    angle = torch.tensor([0.0, math.pi, -math.pi, 7.0, -20.0], dtype=torch.float64)
    state = task.complete_state(angle, torch.zeros(5, dtype=torch.float64))
    normalized = state["normalized_angle"]
    assert bool(((normalized >= -math.pi) & (normalized < math.pi)).all())
    assert torch.allclose(torch.cos(normalized), torch.cos(angle))
    assert torch.allclose(torch.sin(normalized), torch.sin(angle), atol=1e-12)
    assert torch.allclose(state["tip_height"], torch.cos(angle))
    assert normalized[1] == -math.pi  # Gymnasium's wrap sends π to -π


def test_pendulum_speed_limit_and_no_termination() -> None:
    task = pendulum.Pendulum(num_envs=2, seed=0)
    task.reset()
    state = task.complete_state(torch.tensor([1.5, -1.5]), torch.tensor([7.9, -7.9]))
    out_state = _step_from(task, state, torch.tensor([[2.0], [-2.0]]))
    assert out_state["angular_velocity"].abs().tolist() == [pendulum.MAX_SPEED] * 2
    for _ in range(pendulum.EPISODE_LENGTH * 2):
        out = task.step(torch.zeros(2, 1))
        assert not bool(out.terminated.any())


@pytest.mark.parametrize(("angle", "expected"), [(0.0, 1.0), (math.pi, 0.0)])
def test_pendulum_fitness_is_the_upright_fraction_of_the_last_100_steps(angle: float, expected: float) -> None:
    # Both equilibria are exact with zero torque: sin(0) = 0, and sin(π) rounds to ~1e-16.
    task = pendulum.Pendulum(num_envs=1, seed=0)
    task.reset()
    task.set_state(task.complete_state(torch.tensor([angle]), torch.zeros(1)))
    for _ in range(pendulum.EPISODE_LENGTH):
        out = task.step(torch.zeros(1, 1))
    assert bool(out.truncated[0])
    assert float(out.episode_fitness[0]) == pytest.approx(expected, abs=1e-6)


# --------------------------------------------------------------------------------------------------
# Mountain car.


def test_mountain_car_left_wall_stops_the_car() -> None:
    task = mountain_car.MountainCar(num_envs=1, seed=0)
    task.reset()
    state = task.complete_state(torch.tensor([-1.19]), torch.tensor([-0.05]))
    after = _step_from(task, state, torch.tensor([[-1.0]]))
    assert float(after["position"][0]) == pytest.approx(mountain_car.MIN_POSITION)
    assert float(after["velocity"][0]) == 0.0
    assert float(after["previous_position"][0]) == pytest.approx(-1.19)
    assert float(after["previous_velocity"][0]) == pytest.approx(-0.05)


def test_mountain_car_goal_needs_forward_motion() -> None:
    task = mountain_car.MountainCar(num_envs=2, seed=0)
    task.reset()
    # Both cars end past the flag; only the one still moving right has reached it.
    state = task.complete_state(torch.tensor([0.44, 0.50]), torch.tensor([0.03, -0.001]))
    task.set_state(state)
    out = task.step(torch.tensor([[1.0], [-1.0]]))
    assert float(out.state["position"][1]) >= mountain_car.GOAL_POSITION
    assert out.terminated.tolist() == [True, False]
    assert out.state["reached_goal"].tolist() == [True, False]
    assert float(out.episode_fitness[0]) == pytest.approx(1 - 0.5 / mountain_car.EPISODE_LENGTH)


def test_mountain_car_heights() -> None:
    task = mountain_car.MountainCar(num_envs=1, seed=0)
    state = task.complete_state(torch.tensor([-math.pi / 6]), torch.zeros(1))
    assert float(state["height"][0]) == pytest.approx(0.1)


# --------------------------------------------------------------------------------------------------
# Acrobot.


def test_acrobot_derived_state_and_goal() -> None:
    task = acrobot.Acrobot(num_envs=3, seed=0)
    theta1 = torch.tensor([0.0, math.pi, math.pi / 2])
    theta2 = torch.tensor([0.0, 0.0, math.pi / 2])
    state = task.complete_state(theta1, theta2, torch.zeros(3), torch.zeros(3))
    assert state["tip_height"].tolist() == pytest.approx([-2.0, 2.0, 1.0], abs=1e-6)
    assert state["elbow_height"].tolist() == pytest.approx([-1.0, 1.0, 0.0], abs=1e-6)
    assert state["tip_x"].tolist() == pytest.approx([0.0, 0.0, 1.0], abs=1e-6)
    assert state["reached_goal"].tolist()[:2] == [False, True]


def test_acrobot_wraps_angles_and_bounds_speeds() -> None:
    task = acrobot.Acrobot(num_envs=4, seed=0)
    task.reset()
    speed1 = torch.tensor([4 * math.pi, -4 * math.pi, 2.0, -2.0])
    speed2 = torch.tensor([9 * math.pi, -9 * math.pi, 25.0, -25.0])
    theta = torch.tensor([3.0, -3.0, 3.1, -3.1])
    state = task.complete_state(theta, theta, speed1, speed2)
    for _ in range(20):
        after = _step_from(task, state, torch.tensor([2, 0, 2, 0]))
        for name in ("theta1", "theta2"):
            assert bool((after[name].abs() <= math.pi + 1e-6).all()), name
        assert bool((after["angular_velocity1"].abs() <= acrobot.MAX_VEL_1 + 1e-5).all())
        assert bool((after["angular_velocity2"].abs() <= acrobot.MAX_VEL_2 + 1e-5).all())
        state = {k: v for k, v in after.items() if k not in task.COMMON_STATE}


def test_acrobot_wrap_angle_matches_gymnasium_wrap() -> None:
    angles = torch.tensor([0.0, math.pi, -math.pi, 3.5, -3.5, 10.0, -10.0, 20.0], dtype=torch.float64)
    wrapped = acrobot.wrap_angle(angles)
    assert bool(((wrapped >= -math.pi) & (wrapped <= math.pi)).all())
    assert torch.allclose(torch.cos(wrapped), torch.cos(angles))
    assert torch.allclose(torch.sin(wrapped), torch.sin(angles), atol=1e-12)
    assert wrapped[:5].tolist() == [0.0, math.pi, -math.pi, 3.5 - 2 * math.pi, -3.5 + 2 * math.pi]


# --------------------------------------------------------------------------------------------------
# Point reach.


def test_point_reach_starts_vary_and_the_obstacle_always_blocks_the_way() -> None:
    task = point_reach.PointReach(num_envs=512, seed=0)
    task.reset()
    start, goal = task.state["position"], task.state["goal_position"]
    assert float(start.std(dim=0).min()) > 0.03 and float(goal.std(dim=0).min()) > 0.03
    # Closest point of the start-goal segment to the obstacle's centre (the origin).
    direction = goal - start
    along = (-(start * direction).sum(-1) / (direction**2).sum(-1)).clamp(0, 1)
    closest = start + along[:, None] * direction
    assert bool((torch.linalg.vector_norm(closest, dim=-1) < point_reach.OBSTACLE_RADIUS).all())
    assert not bool(task.state["collided"].any() | task.state["out_of_bounds"].any())
    assert torch.equal(task.state["distance_to_goal"], task.state["previous_distance_to_goal"])


def test_point_reach_episode_endings() -> None:
    task = point_reach.PointReach(num_envs=4, seed=0)
    task.reset()
    position = torch.tensor([[-0.31, 0.0], [0.99, 0.0], [0.5, 0.0], [-0.7, 0.0]])
    velocity = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    goal = torch.tensor([[0.7, 0.0], [0.7, 0.5], [0.6, 0.0], [0.7, 0.0]])
    task.set_state(task.complete_state(position, velocity, goal))
    out = task.step(torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 0.0]]))
    assert out.state["collided"].tolist() == [True, False, False, False]
    assert out.state["out_of_bounds"].tolist() == [False, True, False, False]
    assert out.state["reached_goal"].tolist() == [False, False, True, False]
    assert out.terminated.tolist() == [True, True, True, False]
    assert out.episode_fitness[:3].tolist() == pytest.approx([0.0, 0.0, 1 - 0.5 / point_reach.EPISODE_LENGTH])
    assert float(out.state["obstacle_clearance"][0]) < 0
    expected_previous = torch.linalg.vector_norm(goal - position, dim=-1)
    assert torch.allclose(out.state["previous_distance_to_goal"], expected_previous)


def test_point_reach_damping_caps_the_speed() -> None:
    task = point_reach.PointReach(num_envs=1, seed=0)
    task.reset()
    task.set_state(task.complete_state(torch.tensor([[-0.9, -0.9]]), torch.zeros(1, 2), torch.tensor([[0.9, 0.9]])))
    steps = 40
    for _ in range(steps):
        out = task.step(torch.tensor([[1.0, 0.0]]))
        assert not bool(out.done[0])
    # From rest under a constant force, v_n = (1 - (1 - dt·c/m)^n)·F/c: it approaches F/c from below.
    decay = 1 - point_reach.DT * point_reach.DAMPING / point_reach.MASS
    terminal_speed = point_reach.MAX_FORCE / point_reach.DAMPING
    assert float(out.state["velocity"][0, 0]) == pytest.approx((1 - decay**steps) * terminal_speed, rel=1e-5)
    assert float(out.state["velocity"][0, 1]) == 0.0
