"""Pictures of recorded episodes: the task's own drawing where it has one, else its state variables over time."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from rewardsmith.loop.report.charts import Picture, svg
from rewardsmith.loop.report.model import EpisodePick
from rewardsmith.rewards.rubric import load_episodes
from rewardsmith.tasks import Task
from rewardsmith.tasks.evidence import EpisodeFact

STATE_PREFIX = "state/"
#: The generic drawing's panels, at most; a task with more variables draws the first ones.
MAX_PANELS = 12


def episode_states(pick: EpisodePick) -> dict[str, np.ndarray]:
    """The picked episode's state variables, each ``[T, ...]`` cut to the episode's length."""
    recording = load_episodes(pick.file)
    length = int(np.asarray(recording["length"])[pick.episode])
    return {
        key.removeprefix(STATE_PREFIX): np.asarray(values[pick.episode][:length])
        for key, values in recording.items()
        if key.startswith(STATE_PREFIX)
    }


@dataclass(frozen=True)
class DrawnEpisode:
    """A recorded episode as the report shows it: its picture, and the numbers its task measures of it."""

    picture: Picture
    facts: list[EpisodeFact]


def draw(task_class: type[Task], pick: EpisodePick) -> DrawnEpisode:
    """One episode as a picture, with alt text saying which episode it is and how it was drawn, and its facts."""
    states = episode_states(pick)
    return DrawnEpisode(picture=_picture(task_class, pick, states), facts=task_class.episode_facts(states))


def _picture(task_class: type[Task], pick: EpisodePick, states: dict[str, np.ndarray]) -> Picture:
    figure = Figure(figsize=(6.5, 4))
    own = task_class.draw_episode(figure, states)
    if not own:
        figure.clear()
        _plot_state_variables(figure, states)
    figure.suptitle(f"{pick.label} episode: fitness {pick.fitness:.3f}, designed return {pick.designed_return:.2f}")
    how = (
        f"{task_class.spec.name}'s own drawing"
        if own
        else f"its state variables ({', '.join(sorted(states))}) over time"
    )
    steps = len(next(iter(states.values()))) if states else 0
    alt = (
        f"The {pick.label} recorded episode of {pick.candidate_id} (checkpoint {pick.checkpoint}, episode "
        f"{pick.episode}, {steps} steps, fitness {pick.fitness:.3f}), drawn as {how}."
    )
    return svg(figure, alt)


def _plot_state_variables(figure: Figure, states: dict[str, np.ndarray]) -> None:
    """Each numeric state variable against the step, one small panel each; vectors as one line per axis."""
    names = [n for n in sorted(states) if states[n].dtype != object][:MAX_PANELS]
    columns = min(3, max(len(names), 1))
    rows = math.ceil(len(names) / columns) if names else 1
    figure.set_size_inches(3.2 * columns, 1.9 * rows + 0.6)
    for index, name in enumerate(names):
        axes = figure.add_subplot(rows, columns, index + 1)
        values = states[name].astype(float).reshape(len(states[name]), -1)
        for column in range(values.shape[1]):
            axes.plot(values[:, column], linewidth=1)
        axes.set_title(name, fontsize=8)
        axes.tick_params(labelsize=6)
