"""What every GPU simulator adapter owes the task contract, checked on each one's fake."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rewardsmith.tasks.adapters import SimulatorMissingError, SimulatorTask
from rewardsmith.tasks.registry import TaskLoadError, check_task_class, check_task_runs, load_task
from tests.tasks.adapters.fake_isaacgym.cartpole_task import FakeCartpole
from tests.tasks.adapters.fake_isaaclab.tasks import FakeDirectCartpole, FakeManagerCartpole
from tests.tasks.adapters.fake_maniskill.tasks import FakePickCube

FAKES = [FakeCartpole, FakeDirectCartpole, FakeManagerCartpole, FakePickCube]


@pytest.mark.parametrize("task_class", FAKES)
def test_it_keeps_the_task_contract(task_class: type[SimulatorTask]) -> None:
    check_task_class(task_class, origin=task_class.__name__)
    check_task_runs(task_class, origin=task_class.__name__)


@pytest.mark.parametrize("task_class", FAKES)
def test_reseed_repeats_the_initial_states(task_class: type[SimulatorTask]) -> None:
    task = task_class(num_envs=4)
    task.reseed(7)
    first = task.reset()
    task.step(torch.ones(4, *task.action_shape))
    task.reseed(7)
    assert torch.equal(task.reset(), first)
    task.reseed(8)
    assert not torch.equal(task.reset(), first)


@pytest.mark.parametrize("task_class", FAKES)
def test_state_tensors_are_copies_the_simulator_cannot_change(task_class: type[SimulatorTask]) -> None:
    task = task_class(num_envs=3, seed=0)
    task.reset()
    first = task.step(torch.ones(3, *task.action_shape))
    kept = {name: value.clone() for name, value in first.state.items()}
    for _ in range(5):
        task.step(-torch.ones(3, *task.action_shape))
    for name, value in kept.items():
        assert torch.equal(first.state[name], value), name


@pytest.mark.parametrize(
    ("task_class", "real", "package", "hint"),
    [
        (FakeCartpole, {"vec_task": "isaacgymenvs.tasks.cartpole:Cartpole"}, "isaacgymenvs", "Isaac Gym Preview 4"),
        (
            FakeDirectCartpole,
            {"env_cfg": "isaaclab_tasks.direct.cartpole.cartpole_env:CartpoleEnvCfg"},
            "isaaclab_tasks",
            "install Isaac Lab",
        ),
        (FakeManagerCartpole, {"reward_term_cfg": "isaaclab.managers:RewardTermCfg"}, "isaaclab", "AppLauncher"),
        (
            FakePickCube,
            {"env_id": "PickCube-v1", "registers": "mani_skill.envs"},
            "mani_skill",
            "pip install mani_skill",
        ),
    ],
)
def test_a_missing_simulator_is_named_in_one_line(
    task_class: type[SimulatorTask], real: dict[str, str], package: str, hint: str
) -> None:
    on_a_gpu_worker = type(f"Real{task_class.__name__}", (task_class,), real)
    with pytest.raises(SimulatorMissingError) as caught:
        on_a_gpu_worker(num_envs=2)
    message = str(caught.value)
    assert f"'{package}'" in message and hint in message and "\n" not in message


@pytest.mark.parametrize(
    ("task_class", "probed"), [(FakeCartpole, False), (FakeDirectCartpole, False), (FakePickCube, True)]
)
def test_loading_a_one_per_process_simulator_makes_no_instance(
    task_class: type[SimulatorTask], probed: bool, tmp_path: Path
) -> None:
    path = tmp_path / "user_task.py"
    path.write_text(
        f"from {task_class.__module__} import {task_class.__name__}\n\n\n"
        f"class Unmakeable({task_class.__name__}):\n"
        "    def open_simulator(self) -> None:\n"
        "        raise RuntimeError('made an instance')\n"
    )
    if probed:
        with pytest.raises(TaskLoadError, match="made an instance"):
            load_task(f"{path}:Unmakeable")
    else:
        assert load_task(f"{path}:Unmakeable").one_per_process


def test_step_before_reset_is_refused() -> None:
    with pytest.raises(RuntimeError, match="reset"):
        FakeCartpole(num_envs=2).step(torch.zeros(2, 1))
