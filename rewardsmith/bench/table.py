"""The benchmark's Markdown table and its chart, from bench.json's typed cells."""

from __future__ import annotations

import matplotlib.pyplot as plt

from rewardsmith.bench.results import BenchResult
from rewardsmith.loop.report.charts import Picture, svg
from rewardsmith.loop.results import format_score

TABLE = "bench.md"
CHART = "bench.svg"
METHOD_COLOURS = {"sparse": "#999999", "reference": "#2a8a2a", "offline": "#4878a8", "llm": "#c05a28"}


def markdown_table(result: BenchResult) -> str:
    """Per task and method: fitness mean ± std over the seeds, normalised score, RL runs, time and tokens."""
    lines = [
        "| task | method | fitness (mean ± std) | seeds | normalised score | RL runs | wall time | tokens |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cell in result.cells:
        scores = cell.scores
        fitness = "-" if scores.mean is None else f"{scores.mean:.3f} ± {scores.std or 0.0:.3f}"
        failed = f" ({len(scores.failures)} failed)" if scores.failures else ""
        lines.append(
            f"| {cell.task} | {cell.method} | {fitness}{failed} | {len(scores.fitness)} | "
            f"{format_score(cell.normalized_score)} | {cell.rl_runs} | {cell.wall_time_s / 60:.1f} min | "
            f"{cell.tokens:,} |"
        )
    return "\n".join(lines) + "\n"


def chart(result: BenchResult) -> Picture:
    """One panel per task: each method's mean fitness with its spread over seeds as an error bar."""
    tasks = list(dict.fromkeys(cell.task for cell in result.cells))
    methods = list(dict.fromkeys(cell.method for cell in result.cells))
    figure, panels = plt.subplots(1, len(tasks), figsize=(2.6 * len(tasks) + 0.6, 3.0), squeeze=False)
    for axes, task in zip(panels[0], tasks, strict=True):
        for index, method in enumerate(methods):
            cell = result.cell(task, method)
            if cell is None or cell.scores.mean is None:
                continue
            axes.bar(index, cell.scores.mean, yerr=cell.scores.std or 0.0, color=METHOD_COLOURS[method], capsize=3)
        axes.set_xticks(range(len(methods)), methods, rotation=30, fontsize=8)
        axes.set_title(task, fontsize=9)
    panels[0][0].set_ylabel("fitness (mean ± std over seeds)")
    said = "; ".join(
        f"{c.task} {c.method} {format_score(c.scores.mean)}" for c in result.cells if c.scores.mean is not None
    )
    alt = f"Bar charts, one per task, of each reward source's mean fitness over {result.config.seeds} seeds: {said}."
    return svg(figure, alt)
