"""What a reward designer reads about a task: every state variable, the observation code, no fitness."""

from __future__ import annotations

import inspect
import textwrap

import pytest

from rewardsmith.tasks import load_task, render_context, task_names
from tests.tasks.families import SIMULATOR_TASKS, TORCH_TASKS


@pytest.mark.parametrize("name", task_names())
def test_context_lists_every_state_variable_with_its_unit(name: str) -> None:
    task_class = load_task(name)
    lines = render_context(task_class).splitlines()
    for variable in task_class.spec.state_variables:
        matching = [line for line in lines if line.strip().startswith(f"{variable.name}: Tensor")]
        assert len(matching) == 1, f"{variable.name} should have one stub line"
        line = matching[0]
        assert f"{variable.dtype}, {variable.unit}:" in line, line
        assert variable.description in line
        shape = ", ".join(["num_envs", *(str(d) for d in variable.shape)])
        assert f"[{shape}]" in line


@pytest.mark.parametrize("name", TORCH_TASKS)
def test_context_includes_the_observation_source(name: str) -> None:
    task_class = load_task(name)
    context = render_context(task_class)
    source = textwrap.dedent(inspect.getsource(task_class.observe)).rstrip()
    assert source in context
    assert "def observe(self, state: State) -> torch.Tensor:" in context


@pytest.mark.parametrize("name", SIMULATOR_TASKS)
def test_a_simulator_context_shows_its_observation_method_and_never_its_reward(name: str) -> None:
    task_class = load_task(name)
    context = render_context(task_class)
    assert "def _get_obs(self):" in context
    assert "_get_rew" not in context and "reward_info" not in context


@pytest.mark.parametrize("name", task_names())
def test_context_never_reveals_how_fitness_is_computed(name: str) -> None:
    task_class = load_task(name)
    context = render_context(task_class)
    fitness = task_class.spec.fitness
    assert "fitness" not in context.lower()
    assert fitness.name not in context
    assert fitness.description not in context
    assert "solved" not in context.lower()
    assert textwrap.dedent(inspect.getsource(task_class.fitness_step)).strip() not in context
    # Nor the rewards that normalised scores are measured against.
    for code in filter(None, (task_class.spec.reference_reward_code, task_class.spec.sparse_reward_code)):
        assert code.strip() not in context


@pytest.mark.parametrize("name", task_names())
def test_context_states_the_task_and_its_actions(name: str) -> None:
    spec = load_task(name).spec
    context = render_context(load_task(name))
    assert context.startswith(f"# Task: {spec.name}\n")
    assert f"at most {spec.episode_length} steps of {spec.dt} s" in context
    assert "Action space:" in context
    assert "def compute_reward(" in context
