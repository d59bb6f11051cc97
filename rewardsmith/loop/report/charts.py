"""The report's pictures as SVG, each with the alt text a reader without the picture gets instead."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from pydantic import BaseModel

from rewardsmith.loop.report.model import CandidateEntry, Curves

#: Text stays text in the SVG (smaller, searchable); the browser's sans-serif draws it.
plt.rcParams["svg.fonttype"] = "none"

STAGE_COLOURS = {"trained": "#4878a8", "rejected": "#c0392b", "failed": "#888888", "designed": "#bbbbbb"}


class Picture(BaseModel):
    """One image of the report: SVG markup and what it shows, in words."""

    svg: str
    alt: str


def svg(figure: Figure, alt: str) -> Picture:
    """Close ``figure`` and keep it as SVG."""
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    return Picture(svg=buffer.getvalue(), alt=alt)


def fitness_per_round(candidates: Sequence[CandidateEntry], fitness_name: str) -> Picture:
    """Every candidate's fitness by round; candidates without one sit on a strip below, marked by stage."""
    figure, axes = plt.subplots(figsize=(7, 3.6))
    trained = [c for c in candidates if c.fitness is not None]
    floor = min((c.fitness for c in trained if c.fitness is not None), default=0.0)
    ceiling = max((c.fitness for c in trained if c.fitness is not None), default=1.0)
    strip = floor - 0.12 * max(ceiling - floor, 1e-6)
    counts: dict[int, int] = {}
    for candidate in candidates:
        offset = 0.08 * (counts.get(candidate.iteration, 0) - 1)
        counts[candidate.iteration] = counts.get(candidate.iteration, 0) + 1
        x = candidate.iteration + offset
        if candidate.fitness is None:
            axes.plot(x, strip, "x", color=STAGE_COLOURS[candidate.stage])
            continue
        marker = "*" if candidate.best else "o"
        axes.plot(
            x, candidate.fitness, marker, color=STAGE_COLOURS[candidate.stage], markersize=14 if candidate.best else 7
        )
        if candidate.best:
            axes.annotate(f"best {candidate.id}", (x, candidate.fitness), textcoords="offset points", xytext=(8, 4))
    axes.axhline(strip, color="#dddddd", linewidth=6, zorder=0)
    axes.set_xticks(sorted(counts))
    axes.set_xlabel("round")
    axes.set_ylabel(f"{fitness_name} (best checkpoint)")
    axes.set_title("fitness per round; × on the grey strip: not trained")
    best = next((c for c in candidates if c.best), None)
    alt = (
        f"Fitness per round for {len(candidates)} candidates over rounds {', '.join(map(str, sorted(counts)))}: "
        f"{len(trained)} trained, {len(candidates) - len(trained)} not trained. "
        + (
            f"Best: {best.id} with {fitness_name} {best.fitness:.3f}."
            if best and best.fitness is not None
            else "No best."
        )
    )
    return svg(figure, alt)


def lineage(candidates: Sequence[CandidateEntry]) -> Picture:
    """Candidates by round, an arrow from each parent to its child, and the critic's repairs as a count."""
    rows: dict[int, int] = {}
    places: dict[str, tuple[float, float]] = {}
    for candidate in candidates:
        row = rows.get(candidate.iteration, 0)
        rows[candidate.iteration] = row + 1
        places[candidate.id] = (float(candidate.iteration), -float(row))
    height = max(rows.values(), default=1)
    figure, axes = plt.subplots(figsize=(7, 0.9 + 0.55 * height))
    edges = 0
    for candidate in candidates:
        if candidate.parent_id in places:
            edges += 1
            (x0, y0), (x1, y1) = places[candidate.parent_id], places[candidate.id]
            axes.annotate("", (x1 - 0.12, y1), (x0 + 0.12, y0), arrowprops={"arrowstyle": "->", "color": "#777"})
    for candidate in candidates:
        x, y = places[candidate.id]
        edge = "#e0a800" if candidate.best else "black"
        axes.scatter(
            [x],
            [y],
            s=260,
            color=STAGE_COLOURS[candidate.stage],
            edgecolors=edge,
            linewidths=2.5 if candidate.best else 0.5,
            zorder=3,
        )
        label = candidate.id + (f"  ↻{len(candidate.repairs)}" if candidate.repairs else "")
        axes.annotate(label, (x, y), textcoords="offset points", xytext=(0, -16), ha="center", fontsize=7)
    axes.set_xlim(min(rows, default=0) - 0.5, max(rows, default=0) + 0.5)
    axes.set_ylim(-height + 0.4, 0.6)
    axes.set_xticks(sorted(rows))
    axes.set_yticks([])
    axes.set_xlabel("round")
    axes.set_title("lineage: parent → child; ↻n: repaired n times after the critic; gold ring: best")
    repaired = sum(1 for c in candidates if c.repairs)
    alt = (
        f"Lineage graph of {len(candidates)} candidates in {len(rows)} rounds with {edges} parent-to-child "
        f"links; {repaired} candidates were repaired after the critic."
    )
    return svg(figure, alt)


def training_curves(curves: Curves, candidate_id: str, fitness_name: str) -> Picture:
    """The task's fitness and each reward component's per-episode sum over training, side by side."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    left.plot(curves.steps, curves.fitness, marker="o", color="#2a8a2a")
    left.set_title(f"{candidate_id}: {fitness_name} (evaluation)")
    left.set_xlabel("env steps")
    for name, values in curves.components.items():
        right.plot(curves.steps, [math.nan if v is None else v for v in values], marker=".", label=name)
    right.set_title("reward components (per-episode sum)")
    right.set_xlabel("env steps")
    if curves.components:
        right.legend(fontsize=7)
    names = ", ".join(curves.components) or "none"
    alt = (
        f"Training curves of {candidate_id} over {len(curves.steps)} checkpoints: {fitness_name} from "
        f"{curves.fitness[0]:.3f} to {curves.fitness[-1]:.3f}, beside its reward components ({names})."
        if curves.fitness
        else f"Training curves of {candidate_id}: no checkpoint was recorded."
    )
    return svg(figure, alt)
