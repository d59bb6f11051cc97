"""The batch file: which tasks and seeds to design rewards for, with which settings, where and how many at once.

::

    tasks: [cartpole, point_reach, arithmetic, tasks/my_task.py:MyTask]
    seeds: [0, 1]
    design: {iterations: 2, samples: 4, steps: 20000, llm: offline, sandbox: docker}
    parallel: 2
    executor: ray
    ray_address: auto
    retries: 2
    gpus_per_job: 1

A task is whatever family of the design loop claims it (:mod:`rewardsmith.batches.tasks`): control tasks,
task files and text tasks side by side, each family's refusals checked when the file is read. Every problem
with it is a :class:`BatchFileError` whose message is one line naming the file and the field, and saying
what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rewardsmith.batches.tasks import cpu_only, design_refusal, open_tasks
from rewardsmith.config import DesignConfig
from rewardsmith.executors import ExecutorName
from rewardsmith.loop.families import open_family

#: Settings a batch sets per run itself, so ``design:`` may not.
PER_RUN = ("task", "seed", "out")


class BatchFileError(ValueError):
    """The batch file cannot be read or is invalid; the message is one line that says what to fix."""


class BatchSpec(BaseModel):
    """A batch: one design run for every task and seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tasks: list[str] = Field(
        min_length=1, description="Built-in task names (control or text) or path/to/file.py:ClassName."
    )
    seeds: list[int] = Field(default=[0], min_length=1, description="Seeds; every task is designed once per seed.")
    design: dict[str, object] = Field(
        default_factory=dict,
        description="Settings of every run: any `rewardsmith design` option but task, seed and out "
        "(iterations, samples, steps, llm, sandbox, final_seeds, budget_tokens, ...).",
    )
    parallel: int = Field(default=1, ge=1, le=256, description="Runs at once; the local executor's pool size.")
    executor: ExecutorName = Field(default="local", description="'local' (a process pool) or 'ray'.")
    ray_address: str | None = Field(
        default=None, description="Ray: 'auto' or HOST:PORT of a running cluster; none starts one on this machine."
    )
    retries: int = Field(default=2, ge=0, le=20, description="Times a job whose worker died is sent again.")
    gpus_per_job: float = Field(
        default=0.0,
        ge=0,
        le=8,
        description="GPUs each training job asks its Ray worker for; 0 on CPU workers, and with any task that "
        "trains on the CPU only (a text task).",
    )
    out: Path = Field(default=Path("batches"), description="Directory that receives the batch directory.")

    @field_validator("seeds")
    @classmethod
    def _distinct_seeds(cls, seeds: list[int]) -> list[int]:
        if len(set(seeds)) != len(seeds) or any(seed < 0 for seed in seeds):
            raise ValueError("seeds must be distinct and non-negative")
        return seeds

    @field_validator("tasks")
    @classmethod
    def _known_tasks(cls, tasks: list[str]) -> list[str]:
        if len({family.facts.name for family in open_tasks(tasks).values()}) != len(tasks):
            raise ValueError("a task is named twice; name each once (seeds repeat it)")
        return tasks

    @model_validator(mode="after")
    def _valid_design(self) -> BatchSpec:
        named = sorted(set(PER_RUN) & set(self.design))
        if named:
            raise ValueError(f"design: {', '.join(named)} is set by the batch per run; use tasks:, seeds: or out:")
        if self.design.get("review"):
            raise ValueError("design.review: a batch has no reviewer; design reviewed runs with `rewardsmith design`")
        try:
            self.run_config(self.tasks[0], self.seeds[0], Path())
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "design"
            raise ValueError(f"design.{where}: {first['msg'].removeprefix('Value error, ')}") from None
        self._families_accept()
        return self

    def _families_accept(self) -> None:
        """Each task's family takes the design settings and the GPUs, so that no run is refused mid-batch."""
        seed = self.seeds[0]
        families = open_tasks(self.tasks)
        for task, family in families.items():
            refusal = design_refusal(task, family, self.design, partial(self._config, task, seed))
            if refusal is not None:
                raise ValueError(refusal)
        units = {task: family.facts.step_unit for task, family in families.items()}
        if self.design.get("steps") is not None and len(set(units.values())) > 1:
            counts = ", ".join(f"{task}: {unit}" for task, unit in units.items())
            raise ValueError(
                f"design.steps: the tasks count steps differently ({counts}), so one number cannot fit them all; "
                "leave steps unset (each task trains its own budget) or give each kind of task a batch of its own"
            )
        if self.gpus_per_job > 0:
            on_cpu = [
                f"{task} ({family.facts.family})"
                for task, family in families.items()
                if cpu_only(family, self.run_config(task, seed, Path()))
            ]
            if on_cpu:
                raise ValueError(
                    f"gpus_per_job: {', '.join(on_cpu)} {'trains' if len(on_cpu) == 1 else 'train'} on the CPU "
                    "only; set gpus_per_job: 0, or give the tasks that train on a GPU a batch of their own"
                )

    def run_config(self, task: str, seed: int, out: Path) -> DesignConfig:
        """The settings of the run of ``task`` on ``seed`` whose run directory goes under ``out``."""
        return self._config(task, seed, self.design, out)

    @staticmethod
    def _config(task: str, seed: int, design: Mapping[str, object], out: Path = Path()) -> DesignConfig:
        return DesignConfig(task=task, seed=seed, out=out, **design)  # type: ignore[arg-type]

    def run_keys(self) -> list[tuple[str, str, int]]:
        """``(key, task, seed)`` of every run, in the file's order; the key names the run's folder."""
        names = {task: open_family(task).facts.name for task in self.tasks}
        return [(f"{names[task]}-s{seed}", task, seed) for task in self.tasks for seed in self.seeds]


def load_batch(path: Path) -> BatchSpec:
    """Read and check a batch file; task files it names are read relative to it.

    Raises:
        BatchFileError: The file cannot be read, is not YAML, or does not describe a valid batch.
    """
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as error:
        raise BatchFileError(f"cannot read the batch file '{path}' ({error.strerror or error})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise BatchFileError(f"{path}: not valid YAML{where}; fix the file's syntax") from None
    if not isinstance(data, dict):
        raise BatchFileError(f"{path}: expected a mapping with at least 'tasks:'; see `rewardsmith batch --help`")
    if isinstance(data.get("tasks"), list):
        data["tasks"] = [_relative_to(path.parent, task) for task in data["tasks"]]
    return parse_batch(data, str(path))


def parse_batch(data: dict[str, object], source: str = "batch") -> BatchSpec:
    """Check a batch given as a mapping (from Python or a file named ``source``).

    Raises:
        BatchFileError: One line naming the field at fault.
    """
    try:
        return BatchSpec.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = f"unknown field; the fields are {', '.join(BatchSpec.model_fields)}"
        raise BatchFileError(f"{source}: {where + ': ' if where else ''}{message}") from None


def _relative_to(folder: Path, task: object) -> object:
    if not isinstance(task, str) or ":" not in task:
        return task
    file, name = task.rsplit(":", 1)
    if not file.endswith(".py") or Path(file).is_absolute():
        return task
    return f"{(folder / file).resolve()}:{name}"
