"""Task lookup: built-ins by name, user tasks from ``path/to/file.py:ClassName``, and one-line errors.

Each way a user's task file can be wrong has its own fixture file, written to ``tmp_path``.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
import torch

from rewardsmith.tasks import BatchedTask, DiscreteSpace, TaskLoadError, load_task, task_names
from rewardsmith.tasks.registry import check_task_runs

BUILTINS = ("cartpole", "pendulum", "mountain_car", "acrobot", "point_reach")

_POSITION = "StateVariable(name='position', unit='m', description='Where it is.')"
_GOOD_STATE = f"({_POSITION}, *common_state_variables(_ACTIONS))"
_GOOD_OBSERVE = "return state['position'][:, None]"


def _task_source(
    state_variables: str = _GOOD_STATE,
    observe: str = _GOOD_OBSERVE,
    before: str = "",
    after: str = "",
) -> str:
    """A user's task file; the arguments swap in the one part a test breaks."""
    return textwrap.dedent(
        """
        import torch

        from rewardsmith.tasks import (
            BatchedTask, BoxSpace, FitnessSpec, ObservationSpec, StateVariable, TaskSpec,
            common_state_variables,
        )

        {before}

        _ACTIONS = BoxSpace(shape=(1,), low=-1.0, high=1.0)


        class Drifter(BatchedTask):
            spec = TaskSpec(
                name="drifter",
                description="Drift along a line.",
                state_variables={state_variables},
                observation=ObservationSpec(size=1, elements=("position",)),
                action_space=_ACTIONS,
                episode_length=10,
                dt=0.1,
                fitness=FitnessSpec(name="steps", description="Steps.", low=0, high=10, solved_threshold=5),
                sparse_reward_code="",
                reference_reward_code="",
            )

            def initial_state(self, count):
                return {{"position": torch.zeros(count, dtype=self.dtype, device=self.device)}}

            def dynamics(self, state, action):
                return {{"position": state["position"] + 0.1 * action[:, 0]}}

            def terminal(self, state):
                return state["position"].abs() > 1.0

            def observe(self, state):
                {observe}

            def fitness_step(self, state, fitness_so_far):
                return fitness_so_far + 1.0

        {after}
        """
    ).format(state_variables=state_variables, observe=observe, before=before, after=after)


def _write(tmp_path: Path, source: str, name: str = "my_task.py") -> Path:
    path = tmp_path / name
    path.write_text(source)
    return path


def _load_error(ref: str) -> str:
    with pytest.raises(TaskLoadError) as caught:
        load_task(ref)
    message = str(caught.value)
    assert "\n" not in message, f"not one line: {message!r}"
    return message


# --------------------------------------------------------------------------------------------------
# Built-ins.


def test_task_names_list_every_builtin() -> None:
    assert set(BUILTINS) <= set(task_names())
    assert task_names() == sorted(task_names())


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_loads_and_steps(name: str) -> None:
    task_class = load_task(name)
    assert issubclass(task_class, BatchedTask)
    assert task_class.spec.name == name
    check_task_runs(task_class, origin=name)
    task = task_class(num_envs=3, seed=0)
    observation = task.reset()
    assert observation.shape == (3, task_class.spec.observation.size)
    space = task_class.spec.action_space
    action = torch.ones(3, dtype=torch.long) if isinstance(space, DiscreteSpace) else torch.zeros(3, *space.shape)
    out = task.step(action)
    assert set(out.state) == set(task_class.spec.state_variable_names)


def test_unknown_name() -> None:
    message = _load_error("cartpoel")
    assert message.startswith("unknown task 'cartpoel'")
    assert "cartpole" in message and "path/to/file.py:ClassName" in message


# --------------------------------------------------------------------------------------------------
# User task files.


def test_user_task_loads_from_file(tmp_path: Path) -> None:
    path = _write(tmp_path, _task_source())
    task_class = load_task(f"{path}:Drifter")
    assert task_class.__name__ == "Drifter"
    assert task_class.spec.name == "drifter"
    task = task_class(num_envs=4, seed=0)
    task.reset()
    out = task.step(torch.ones(4, 1))
    assert torch.allclose(out.state["position"], torch.full((4,), 0.1))


def test_missing_file(tmp_path: Path) -> None:
    ref = f"{tmp_path / 'nowhere.py'}:Drifter"
    message = _load_error(ref)
    assert message.startswith("task file not found:")
    assert "nowhere.py" in message


def test_missing_class_lists_available_classes(tmp_path: Path) -> None:
    path = _write(tmp_path, _task_source(after="class Sibling(Drifter):\n    pass\n"))
    message = _load_error(f"{path}:Drfter")
    assert "has no class 'Drfter'" in message
    assert "task classes there: Drifter, Sibling" in message


def test_class_that_is_not_a_task(tmp_path: Path) -> None:
    path = _write(tmp_path, _task_source(after="class Helper:\n    pass\n"))
    message = _load_error(f"{path}:Helper")
    assert message.endswith("is not a subclass of rewardsmith.tasks.Task (BatchedTask or an adapter)")
    assert "Helper" in message


def test_spec_without_common_state_variables(tmp_path: Path) -> None:
    bare = f"({_POSITION},)"
    path = _write(tmp_path, _task_source(state_variables=bare))
    message = _load_error(f"{path}:Drifter")
    assert "spec must include common_state_variables(action_space)" in message
    assert "missing action, episode_step" in message


def test_observe_with_the_wrong_shape(tmp_path: Path) -> None:
    path = _write(tmp_path, _task_source(observe="return state['position'][:, None].repeat(1, 3)"))
    message = _load_error(f"{path}:Drifter")
    assert "observe() returned shape (2, 3), spec says (num_envs, 1)" in message


def test_module_that_raises_on_import(tmp_path: Path) -> None:
    path = _write(tmp_path, _task_source(before="raise RuntimeError('no simulator licence')"))
    message = _load_error(f"{path}:Drifter")
    assert message.endswith("failed to import: RuntimeError: no simulator licence")


def test_module_that_raises_a_multiline_error_on_import(tmp_path: Path) -> None:
    path = _write(tmp_path, _task_source(before="raise RuntimeError('no simulator licence\\nsee the docs')"))
    _load_error(f"{path}:Drifter")


def test_invalid_task_spec(tmp_path: Path) -> None:
    source = _task_source().replace("episode_length=10", "episode_length=0")
    path = _write(tmp_path, source)
    message = _load_error(f"{path}:Drifter")
    assert "invalid TaskSpec at 'episode_length'" in message


def test_dynamics_that_fail_a_smoke_step(tmp_path: Path) -> None:
    source = _task_source().replace(
        'return {"position": state["position"] + 0.1 * action[:, 0]}',
        'return {"position": state["position"] + action[:, 5]}',
    )
    path = _write(tmp_path, source)
    message = _load_error(f"{path}:Drifter")
    assert "Drifter fails a smoke step: IndexError" in message


def test_a_task_file_that_loops_at_import_is_stopped_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rewardsmith.tasks import registry

    monkeypatch.setattr(registry, "IMPORT_TIME_LIMIT_S", 0.5)
    looping = tmp_path / "loop_task.py"
    looping.write_text("while True:\n    pass\n")
    started = time.monotonic()
    with pytest.raises(TaskLoadError, match=r"took more than 0\.5 s; does the file loop, or wait, at import"):
        load_task(f"{looping}:Task")
    assert time.monotonic() - started < 5
