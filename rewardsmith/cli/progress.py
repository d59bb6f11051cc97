"""Rich progress bars for a design run: rounds, candidates, and the training steps of each job."""

from __future__ import annotations

import threading

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


class RichReporter:
    """A :class:`rewardsmith.loop.graph.Reporter` that draws live bars on the console."""

    def __init__(self, console: Console, iterations: int, samples: int) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._lock = threading.Lock()
        self._rounds = self.progress.add_task("design rounds", total=iterations)
        self._candidates = self.progress.add_task("candidates (this round)", total=samples)
        self._samples = samples
        self._training: dict[str, TaskID] = {}

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def round_started(self, iteration: int, total: int) -> None:
        with self._lock:
            self.progress.update(self._rounds, completed=iteration - 1, total=total)
            self.progress.update(self._candidates, completed=0, total=self._samples)
            self.progress.console.print(f"[bold]round {iteration}/{total}[/]")

    def candidate_done(self, candidate_id: str, stage: str, detail: str) -> None:
        with self._lock:
            if stage != "final":
                self.progress.advance(self._candidates)
            task = self._training.pop(candidate_id, None)
            if task is not None:
                self.progress.remove_task(task)
            self.progress.console.print(f"  {candidate_id}: {stage} ({detail})", highlight=False)

    def training_progress(self, candidate_id: str, steps: int, total: int) -> None:
        with self._lock:
            task = self._training.get(candidate_id)
            if task is None:
                task = self.progress.add_task(f"  train {candidate_id}", total=total)
                self._training[candidate_id] = task
            self.progress.update(task, completed=steps, total=total)

    def note(self, text: str) -> None:
        with self._lock:
            self.progress.console.print(text, highlight=False)

    def warning(self, text: str) -> None:
        with self._lock:
            self.progress.console.print(f"[bold yellow]{text}[/]", highlight=False)

    def final_evaluation_started(self, runs: int) -> None:
        with self._lock:
            self.progress.update(self._rounds, completed=self.progress.tasks[self._rounds].total)
            if runs:
                self.progress.console.print(
                    f"final evaluation: best reward, reference and sparse on each seed ({runs} trainings)"
                )
