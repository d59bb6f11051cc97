"""The batched task base: autoreset, truncation, fitness bookkeeping, seeding, dtypes and actions.

Most checks run on two toy tasks whose every step is predictable by hand; the last few run on the
built-ins, which must keep the base's contract too.
"""

from __future__ import annotations

import pytest
import torch

from rewardsmith.tasks import (
    BatchedTask,
    BoxSpace,
    DiscreteSpace,
    FitnessSpec,
    ObservationSpec,
    State,
    StateVariable,
    TaskSpec,
    common_state_variables,
    load_task,
)
from tests.tasks.families import TORCH_TASKS

_BOX = BoxSpace(shape=(1,), low=-1.0, high=1.0)
_DISCRETE = DiscreteSpace(n=3, values=(-2.0, 0.0, 5.0))
FINISH_LINE = 2.5  # a toy walker's episode terminates past this position
EPISODE_LENGTH = 5


def _toy_spec(name: str, actions: BoxSpace | DiscreteSpace) -> TaskSpec:
    return TaskSpec(
        name=name,
        description="Walk right past the finish line.",
        state_variables=(
            StateVariable(name="position", unit="m", description="Walker position."),
            StateVariable(name="crossed", dtype="bool", unit="-", description="Past the finish line."),
            *common_state_variables(actions),
        ),
        observation=ObservationSpec(size=1, elements=("position",)),
        action_space=actions,
        episode_length=EPISODE_LENGTH,
        dt=1.0,
        fitness=FitnessSpec(name="steps", description="Steps taken.", low=0, high=EPISODE_LENGTH, solved_threshold=1),
        sparse_reward_code="",
        reference_reward_code="",
    )


class Walker(BatchedTask):
    """Position += action each step; starts in [0, 0.5); terminates past 2.5. Fitness counts steps."""

    spec = _toy_spec("walker", _BOX)

    def initial_state(self, count: int) -> State:
        position = 0.5 * torch.rand(count, generator=self.generator, device=self.device, dtype=self.dtype)
        return {"position": position, "crossed": position > FINISH_LINE}

    def dynamics(self, state: State, action: torch.Tensor) -> State:
        position = state["position"] + action[:, 0]
        return {"position": position, "crossed": position > FINISH_LINE}

    def terminal(self, state: State) -> torch.Tensor:
        return state["crossed"]

    def observe(self, state: State) -> torch.Tensor:
        return state["position"][:, None]

    def fitness_step(self, state: State, fitness_so_far: torch.Tensor) -> torch.Tensor:
        return fitness_so_far + 1.0


class DiscreteWalker(Walker):
    spec = _toy_spec("discrete_walker", _DISCRETE)

    def dynamics(self, state: State, action: torch.Tensor) -> State:
        position = state["position"] + action
        return {"position": position, "crossed": position > FINISH_LINE}


def _push(*per_env: float) -> torch.Tensor:
    return torch.tensor(per_env, dtype=torch.float32)[:, None]


# --------------------------------------------------------------------------------------------------
# Autoreset, truncation and fitness.


def test_autoreset_is_same_step_and_returns_pre_reset_state() -> None:
    task = Walker(num_envs=2, seed=0)
    task.reset()
    # Env 0 walks at full speed and crosses on step 3; env 1 stands still.
    outputs = [task.step(_push(1.0, 0.0)) for _ in range(3)]
    last = outputs[-1]

    assert last.terminated.tolist() == [True, False]
    assert last.truncated.tolist() == [False, False]
    # The state and final observation are the end of the old episode ...
    assert float(last.state["position"][0]) > FINISH_LINE
    assert bool(last.state["crossed"][0])
    assert int(last.state["episode_step"][0]) == 3
    assert torch.equal(last.final_observation[:, 0], last.state["position"].to(torch.float32))
    # ... the observation is the start of the new one, which the task now holds.
    new_position = task.state["position"]
    assert 0.0 <= float(new_position[0]) < 0.5
    assert float(last.observation[0, 0]) == float(new_position[0])
    assert float(last.observation[0, 0]) != float(last.final_observation[0, 0])
    assert int(task.state["episode_step"][0]) == 0
    assert float(task.state["action"][0, 0]) == 0.0
    # The environment that did not finish is untouched.
    assert float(last.observation[1, 0]) == float(last.final_observation[1, 0])
    assert int(task.state["episode_step"][1]) == 3


def test_autoreset_does_not_mutate_returned_state() -> None:
    task = Walker(num_envs=2, seed=0)
    task.reset()
    for _ in range(2):
        task.step(_push(1.0, 0.0))
    last = task.step(_push(1.0, 0.0))
    kept = {name: value.clone() for name, value in last.state.items()}
    task.step(_push(0.0, 0.0))
    for name, value in last.state.items():
        assert torch.equal(value, kept[name]), f"'{name}' changed after it was handed out"


def test_truncation_at_episode_length() -> None:
    task = Walker(num_envs=1, seed=0)
    task.reset()
    for step in range(1, EPISODE_LENGTH + 1):
        out = task.step(_push(0.0))
        assert bool(out.truncated[0]) == (step == EPISODE_LENGTH), f"step {step}"
        assert not bool(out.terminated[0])
    assert int(out.episode_length[0]) == EPISODE_LENGTH
    assert int(task.state["episode_step"][0]) == 0


def test_termination_on_the_last_step_is_not_truncation() -> None:
    task = Walker(num_envs=1, seed=0)
    task.reset()
    task.set_state({"position": torch.tensor([-1.5]), "crossed": torch.tensor([False])})
    for _ in range(EPISODE_LENGTH - 1):
        task.step(_push(1.0))
    out = task.step(_push(1.0))  # crosses on exactly the last step
    assert out.terminated.tolist() == [True]
    assert out.truncated.tolist() == [False]


def test_episode_fitness_only_where_done() -> None:
    task = Walker(num_envs=3, seed=0)
    task.reset()
    task.set_state({"position": torch.zeros(3)})
    # Env 0 crosses on step 3, env 1 is truncated on step 5, env 2 crosses on step 4.
    pushes = [_push(1.0, 0.0, 0.7) for _ in range(EPISODE_LENGTH)]
    ended = {}
    for step, push in enumerate(pushes, start=1):
        out = task.step(push)
        done = out.done
        assert bool(torch.isnan(out.episode_fitness[~done]).all())
        assert bool((out.episode_length[~done] == 0).all())
        for env in done.nonzero().flatten().tolist():
            ended.setdefault(env, (step, float(out.episode_fitness[env]), int(out.episode_length[env])))
    assert ended == {0: (3, 3.0, 3), 2: (4, 4.0, 4), 1: (5, 5.0, 5)}


def test_fitness_restarts_with_each_episode() -> None:
    task = Walker(num_envs=1, seed=0)
    task.reset()
    lengths = []
    for _ in range(20):
        out = task.step(_push(1.0))
        if bool(out.done[0]):
            lengths.append((float(out.episode_fitness[0]), int(out.episode_length[0])))
    assert lengths and all(fitness == length for fitness, length in lengths)


def test_step_before_reset_raises() -> None:
    with pytest.raises(RuntimeError, match="reset"):
        Walker(num_envs=1).step(_push(0.0))


def test_num_envs_must_be_positive() -> None:
    with pytest.raises(ValueError, match="num_envs"):
        Walker(num_envs=0)


# --------------------------------------------------------------------------------------------------
# Seeding, set_state and dtypes.


def test_seeded_initial_states_are_reproducible() -> None:
    first, second, other = (Walker(num_envs=8, seed=s) for s in (3, 3, 4))
    assert torch.equal(first.reset(), second.reset())
    assert not torch.equal(first.reset(), other.reset())
    # Autoreset draws from the same generator, so whole runs repeat too.
    pushes = [_push(*torch.linspace(0, 1, 8).tolist()) for _ in range(12)]
    runs = []
    for task in (Walker(8, seed=5), Walker(8, seed=5)):
        task.reset()
        runs.append([task.step(push).observation for push in pushes])
    assert all(torch.equal(a, b) for a, b in zip(*runs, strict=True))


@pytest.mark.parametrize("name", TORCH_TASKS)
def test_builtin_initial_states_are_reproducible(name: str) -> None:
    task_class = load_task(name)
    first, second = task_class(num_envs=16, seed=11), task_class(num_envs=16, seed=11)
    first.reset()
    second.reset()
    for variable, value in first.state.items():
        assert torch.equal(value, second.state[variable]), variable
    third = task_class(num_envs=16, seed=12)
    third.reset()
    assert any(not torch.equal(v, third.state[k]) for k, v in first.state.items() if v.is_floating_point())


def test_set_state_overwrites_and_returns_observation() -> None:
    task = Walker(num_envs=2, seed=0)
    task.reset()
    observation = task.set_state({"position": torch.tensor([1.0, 2.0]), "crossed": torch.tensor([False, False])})
    assert observation.tolist() == [[1.0], [2.0]]
    assert observation.dtype == torch.float32
    # A partial update keeps the other variables.
    task.set_state({"position": torch.tensor([0.25, 0.5])})
    assert task.state["position"].tolist() == [0.25, 0.5]
    assert task.state["crossed"].tolist() == [False, False]
    out = task.step(_push(1.0, 1.0))
    assert out.state["position"].tolist() == [1.25, 1.5]


def test_set_state_rejects_bad_shapes_and_names() -> None:
    task = Walker(num_envs=2, seed=0)
    task.reset()
    with pytest.raises(ValueError, match="shape"):
        task.set_state({"position": torch.zeros(3)})
    with pytest.raises(ValueError, match="undeclared"):
        task.set_state({"velocity": torch.zeros(2)})


def test_float64_state_and_float32_observation() -> None:
    task = Walker(num_envs=2, seed=0, dtype=torch.float64)
    observation = task.reset()
    assert observation.dtype == torch.float32
    assert task.state["position"].dtype == torch.float64
    out = task.step(_push(0.1, 0.2))
    assert out.state["position"].dtype == torch.float64
    assert out.state["action"].dtype == torch.float64
    assert out.observation.dtype == torch.float32
    assert out.final_observation.dtype == torch.float32
    assert out.episode_fitness.dtype == torch.float32
    assert out.episode_length.dtype == torch.int64
    assert task.state_dtype("position") == torch.float64
    assert task.state_dtype("crossed") == torch.bool
    assert task.state_dtype("episode_step") == torch.int64


@pytest.mark.parametrize("name", TORCH_TASKS)
def test_builtin_state_dtypes_follow_the_spec(name: str) -> None:
    task_class = load_task(name)
    for dtype in (torch.float32, torch.float64):
        task = task_class(num_envs=4, seed=0, dtype=dtype)
        task.reset()
        space = task.spec.action_space
        action = torch.zeros(4, dtype=torch.long) if isinstance(space, DiscreteSpace) else torch.zeros(4, *space.shape)
        out = task.step(action)
        for variable in task.spec.state_variables:
            value = out.state[variable.name]
            assert value.dtype == task.state_dtype(variable.name), (variable.name, dtype)
            assert tuple(value.shape) == (4, *variable.shape), variable.name


# --------------------------------------------------------------------------------------------------
# Actions.


def test_box_actions_are_clipped() -> None:
    task = Walker(num_envs=3, seed=0)
    task.reset()
    task.set_state({"position": torch.zeros(3)})
    out = task.step(_push(-7.0, 0.5, 3.0))
    assert out.state["action"][:, 0].tolist() == [-1.0, 0.5, 1.0]
    assert out.state["position"].tolist() == [-1.0, 0.5, 1.0]


def test_discrete_actions_map_to_values() -> None:
    task = DiscreteWalker(num_envs=3, seed=0)
    task.reset()
    task.set_state({"position": torch.zeros(3)})
    out = task.step(torch.tensor([0, 1, 2]))
    assert out.state["action"].tolist() == [-2.0, 0.0, 5.0]
    assert out.state["position"].tolist() == [-2.0, 0.0, 5.0]
    assert out.terminated.tolist() == [False, False, True]
    # Float indices, as a policy's sample may come, map the same way.
    task.set_state({"position": torch.zeros(3)})
    assert task.step(torch.tensor([2.0, 1.0, 0.0])).state["action"].tolist() == [5.0, 0.0, -2.0]


# --------------------------------------------------------------------------------------------------
# The built-ins keep the contract's functional dynamics.


@pytest.mark.parametrize("name", TORCH_TASKS)
def test_builtin_dynamics_do_not_write_in_place(name: str) -> None:
    task = load_task(name)(num_envs=8, seed=0)
    task.reset()
    own = {k: v for k, v in task.state.items() if k not in task.COMMON_STATE}
    before = {k: v.clone() for k, v in own.items()}
    space = task.spec.action_space
    if isinstance(space, DiscreteSpace):
        action = torch.tensor(space.values[-1]).repeat(8)
    else:
        action = torch.full((8, *space.shape), space.high)
    after = task.dynamics(own, action)
    for variable, value in before.items():
        assert torch.equal(own[variable], value), f"dynamics() wrote into '{variable}'"
    assert set(after) == set(own)
    assert any(not torch.equal(after[k], own[k]) for k in own if own[k].is_floating_point())
