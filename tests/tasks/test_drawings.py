"""A task's own drawing of an episode, and the generic one for a task without."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from rewardsmith.loop.report.episodes import _plot_state_variables
from rewardsmith.tasks import load_task, task_names
from tests.tasks.families import SIMULATOR_TASKS

# Every MuJoCo task draws its torso's path along x and its height.
DRAWN = {"cartpole", "point_reach", "mountain_car", *SIMULATOR_TASKS}


def episode(name: str, steps: int = 30) -> dict[str, np.ndarray]:
    spec = load_task(name).spec
    rng = np.random.default_rng(0)
    states = {}
    for variable in spec.state_variables:
        shape = (steps, *variable.shape)
        states[variable.name] = rng.random(shape) > 0.5 if variable.dtype == "bool" else rng.uniform(-0.5, 0.5, shape)
    return states


@pytest.mark.parametrize("name", task_names())
def test_every_builtin_task_is_drawn(name: str) -> None:
    figure = Figure()
    own = load_task(name).draw_episode(figure, episode(name))
    assert own == (name in DRAWN)
    if not own:
        figure.clear()
        _plot_state_variables(figure, episode(name))
    assert figure.axes and all(axes.has_data() for axes in figure.axes)
