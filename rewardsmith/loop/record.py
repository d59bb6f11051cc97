"""The run record: everything needed to audit or resume a design run, under ``runs/<run-id>/``.

Layout::

    config.json            the DesignConfig, seeds and versions
    events.jsonl           one JSON line per thing that happened, appended as it happens
    checkpoints.sqlite     LangGraph's checkpoint database (resume)
    specs/vN.json          every rubric version, with reason and diff
    candidates/<id>/       candidate.json, reward.py, status.json, critic.json, verify.json, pool.json,
                           gate.json, train.json, training/ (episodes, policy, training.json),
                           analysis.json; each read and written through its :class:`Artefact`
    pool/                  the gate's trajectory pool (pool.json, pool.npz), the reference run that
                           seeded it (reference_training.json)
    final/                 the retraining of the best reward and the baselines, on several seeds
    best_reward.py         the best reward's code
    summary.json           the DesignResult
    report.html            the report with plots

Every JSON file is written to a temporary name and renamed, so a process killed mid-write never
leaves a half-written record behind.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.metadata
import json
import os
import platform
import secrets
import threading
from pathlib import Path
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from rewardsmith import __version__
from rewardsmith.agents.types import Analysis, Candidate, CriticVerdict, Stage
from rewardsmith.config import DesignConfig
from rewardsmith.gate.policy import GateResult
from rewardsmith.gate.pool import TrajectoryPool
from rewardsmith.loop.results import DesignResult, FinalEvaluation
from rewardsmith.rewards.rubric import Rubric
from rewardsmith.sandbox import SandboxResult
from rewardsmith.training.result import TrainingResult

ModelT = TypeVar("ModelT", bound=BaseModel)

CandidateStage = Literal["designed", "rejected", "trained", "failed"]
"""Where a candidate is: designed and going on, or stopped for good."""


def candidate_id(iteration: int, index: int) -> str:
    """The id of the ``index``-th candidate of round ``iteration``: made here, and only here."""
    return f"i{iteration:02d}-c{index:02d}"


def round_prefix(iteration: int) -> str:
    """What every id of round ``iteration`` starts with."""
    return f"i{iteration:02d}-"


class Artefact(Generic[ModelT]):
    """One typed file of a candidate's folder: its name, and the model it holds."""

    def __init__(self, file: str, model: type[ModelT]) -> None:
        self.file = file
        self.model = model


CRITIC = Artefact("critic.json", CriticVerdict)
VERIFY = Artefact("verify.json", SandboxResult)
#: The pool's labels a candidate's returns were computed against, frozen with the arrays its verify job got.
POOL_LABELS = Artefact("pool.json", TrajectoryPool)
GATE = Artefact("gate.json", GateResult)
TRAIN = Artefact("train.json", SandboxResult)
ANALYSIS = Artefact("analysis.json", Analysis)


class RunNotFoundError(ValueError):
    """A directory that is not a rewardsmith run was given where one was expected."""


class RunFileError(ValueError):
    """A file of a run cannot be read (cut short, edited, damaged); the message names it and says how to recover."""


class CandidateStatus(BaseModel):
    """Where one candidate got to, and why it stopped there."""

    id: str
    iteration: int
    designer: str
    stage: CandidateStage
    stopped_at: Stage | None = Field(default=None, description="The node that rejected it or where it failed.")
    reason_kind: str | None = Field(default=None, description="Stable machine-readable reason.")
    reason: str | None = Field(default=None, description="Why, in words a designer can act on.")
    fitness: float | None = Field(default=None, description="Best checkpoint evaluation fitness.")
    final_fitness: float | None = None
    steps: int | None = None
    train_time_s: float | None = None
    hacking_suspected: bool | None = None


class RunEvent(BaseModel):
    """One line of events.jsonl, as far as a reader needs it: what happened, and when."""

    time: datetime.datetime
    event: str


class RunConfigRecord(BaseModel):
    """config.json: what was asked for, with the versions that ran it."""

    run_id: str
    created: str
    config: DesignConfig
    versions: dict[str, str]


class RunRecord:
    """Read and write one run directory. Safe to use from several threads."""

    CONFIG = "config.json"

    def __init__(self, run_dir: Path) -> None:
        self.dir = run_dir
        self._lock = threading.Lock()

    # ---- creation --------------------------------------------------------------------------------

    @classmethod
    def create(cls, config: DesignConfig, task_name: str) -> RunRecord:
        """Make a new run directory under ``config.out``.

        Raises:
            OSError: The directory cannot be created (the caller turns this into a one-line error).
        """
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        run_id = f"{stamp}-{task_name}-{secrets.token_hex(3)}"
        run_dir = config.out / run_id
        run_dir.mkdir(parents=True, exist_ok=False)
        record = cls(run_dir)
        record.write_json(
            cls.CONFIG,
            RunConfigRecord(
                run_id=run_id,
                created=datetime.datetime.now(datetime.UTC).isoformat(),
                config=config,
                versions=library_versions(),
            ),
        )
        for folder in ("specs", "candidates", "final"):
            (run_dir / folder).mkdir()
        return record

    @classmethod
    def open(cls, run_dir: Path) -> RunRecord:
        """Open an existing run.

        Raises:
            RunNotFoundError: ``run_dir`` has no valid config.json.
        """
        path = run_dir / cls.CONFIG
        if not path.is_file():
            raise RunNotFoundError(f"'{run_dir}' is not a rewardsmith run (no {cls.CONFIG}); give a runs/<run-id> dir")
        record = cls(run_dir)
        try:
            record.config_record()
        except ValueError as error:
            raise RunNotFoundError(f"'{path}' is not a valid run config: {str(error).splitlines()[0]}") from None
        return record

    def config_record(self) -> RunConfigRecord:
        return self.read_json(self.CONFIG, RunConfigRecord)

    @property
    def run_id(self) -> str:
        return self.dir.name

    # ---- generic files ---------------------------------------------------------------------------

    def path(self, relative: str) -> Path:
        return self.dir / relative

    def write_json(self, relative: str, model: BaseModel) -> Path:
        return self.write_text(relative, model.model_dump_json(indent=2))

    def read_json(self, relative: str, model_type: type[ModelT]) -> ModelT:
        """A file of the run as ``model_type``.

        Raises:
            RunFileError: The file is there but cannot be read as one; the message says how to recover.
            FileNotFoundError: It is not there.
        """
        path = self.path(relative)
        try:
            return model_type.model_validate_json(path.read_bytes())
        except (ValueError, UnicodeDecodeError) as error:
            why = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise RunFileError(
                f"{path} is damaged ({why}); delete it and resume, which redoes the step that wrote it"
            ) from None

    def write_text(self, relative: str, text: str) -> Path:
        path = self.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_text(text)
        temporary.replace(path)
        return path

    def exists(self, relative: str) -> bool:
        return self.path(relative).exists()

    def event(self, name: str, /, **data: object) -> None:
        """Append one event to events.jsonl."""
        line = json.dumps({"time": datetime.datetime.now(datetime.UTC).isoformat(), "event": name, **data}, default=str)
        with self._lock, self.path("events.jsonl").open("a") as stream:
            stream.write(line + "\n")
            stream.flush()
            os.fsync(stream.fileno())

    def event_times(self) -> list[RunEvent]:
        """Every event's name and time, typed; the rest of each line is left as it was written."""
        return [RunEvent.model_validate(event) for event in self.events()]

    def events(self) -> list[dict[str, object]]:
        path = self.path("events.jsonl")
        if not path.exists():
            return []
        events = []
        for line in path.read_text(errors="replace").splitlines():
            # A process killed while appending leaves its last line cut short; the rest stands.
            with contextlib.suppress(ValueError):
                events.append(json.loads(line))
        return events

    # ---- candidates ------------------------------------------------------------------------------

    def candidate_dir(self, candidate_id: str) -> Path:
        return self.path(f"candidates/{candidate_id}")

    def save_candidate(self, candidate: Candidate) -> None:
        """Write a candidate and its reward file, and mark it designed."""
        self.write_json(f"candidates/{candidate.id}/candidate.json", candidate)
        self.write_text(f"candidates/{candidate.id}/reward.py", candidate.code)
        self.set_status(
            CandidateStatus(
                id=candidate.id, iteration=candidate.iteration, designer=candidate.designer, stage="designed"
            )
        )

    def has_candidate(self, candidate_id: str) -> bool:
        return self.exists(f"candidates/{candidate_id}/candidate.json")

    def candidate(self, candidate_id: str) -> Candidate:
        return self.read_json(f"candidates/{candidate_id}/candidate.json", Candidate)

    def reward_path(self, candidate_id: str) -> Path:
        """The candidate's code as a file, which its sandbox jobs load."""
        return self.candidate_dir(candidate_id) / "reward.py"

    def keep_rejected_version(self, candidate: Candidate, verdict: CriticVerdict) -> None:
        """Keep a version the critic rejected, and its verdict, beside the repair that replaces it."""
        attempt = candidate.repair_round
        self.write_json(f"candidates/{candidate.id}/repairs/critic_r{attempt}.json", verdict)
        self.write_text(f"candidates/{candidate.id}/repairs/reward_r{attempt}.py", candidate.code)

    def rejected_versions(self, candidate_id: str) -> list[tuple[str, CriticVerdict]]:
        """Each version of a candidate the critic rejected before a repair replaced it: code and verdict, oldest
        first."""
        repairs = self.candidate_dir(candidate_id) / "repairs"
        attempts = sorted(int(p.stem.removeprefix("critic_r")) for p in repairs.glob("critic_r*.json"))
        return [
            (
                self.path(f"candidates/{candidate_id}/repairs/reward_r{attempt}.py").read_text(errors="replace"),
                self.read_json(f"candidates/{candidate_id}/repairs/critic_r{attempt}.json", CriticVerdict),
            )
            for attempt in attempts
        ]

    def training_dir(self, candidate_id: str) -> Path:
        """The out dir of the candidate's train job, where its declared artefacts (episodes, policy) are."""
        return self.candidate_dir(candidate_id) / "training"

    def has(self, candidate_id: str, artefact: Artefact[ModelT]) -> bool:
        return self.exists(f"candidates/{candidate_id}/{artefact.file}")

    def read(self, candidate_id: str, artefact: Artefact[ModelT]) -> ModelT | None:
        """One of a candidate's typed files, or None where it has not been written."""
        relative = f"candidates/{candidate_id}/{artefact.file}"
        return self.read_json(relative, artefact.model) if self.exists(relative) else None

    def write(self, candidate_id: str, artefact: Artefact[ModelT], value: ModelT) -> None:
        self.write_json(f"candidates/{candidate_id}/{artefact.file}", value)

    def set_status(self, status: CandidateStatus) -> None:
        self.write_json(f"candidates/{status.id}/status.json", status)

    def status(self, candidate_id: str) -> CandidateStatus:
        """Where the candidate got to. A candidate whose status was deleted (to recover from a damaged
        one) is designed again: the loop then walks it through the steps whose results are on disk."""
        relative = f"candidates/{candidate_id}/status.json"
        if not self.exists(relative) and self.has_candidate(candidate_id):
            candidate = self.candidate(candidate_id)
            return CandidateStatus(
                id=candidate.id, iteration=candidate.iteration, designer=candidate.designer, stage="designed"
            )
        return self.read_json(relative, CandidateStatus)

    def update_status(self, candidate_id: str, **changes: object) -> CandidateStatus:
        status = self.status(candidate_id).model_copy(update=changes)
        self.set_status(status)
        return status

    def statuses(self) -> list[CandidateStatus]:
        folder = self.path("candidates")
        if not folder.exists():
            return []
        found = [
            self.status(p.name)
            for p in sorted(folder.iterdir())
            if (p / "status.json").exists() or (p / "candidate.json").exists()
        ]
        return sorted(found, key=lambda s: (s.iteration, s.id))

    # ---- the run's results -----------------------------------------------------------------------

    SUMMARY = "summary.json"
    FINAL_EVALUATION = "final/evaluation.json"
    BEST_REWARD = "best_reward.py"

    def summary(self) -> DesignResult | None:
        """The finished run's result; None until the run has finished."""
        return self.read_json(self.SUMMARY, DesignResult) if self.exists(self.SUMMARY) else None

    def final_run_dir(self, name: str) -> Path:
        """Where one training of the final evaluation (``best-seed10000``, ...) keeps its job and results."""
        return self.path(f"final/{name}")

    def final_run(self, name: str) -> SandboxResult | None:
        """One training of the final evaluation; None until it has run."""
        relative = f"final/{name}/result.json"
        return self.read_json(relative, SandboxResult) if self.exists(relative) else None

    def write_final_run(self, name: str, result: SandboxResult) -> None:
        self.write_json(f"final/{name}/result.json", result)

    def rl_runs(self, evaluation: FinalEvaluation | None) -> int:
        """PPO trainings the run ran: the gate pool's reference training, every candidate trained (or whose
        training failed), and the final evaluation's."""
        pool = int(self.exists("pool/pool.npz"))
        candidates = sum(self.has(s.id, TRAIN) for s in self.statuses())
        finals = 0
        if evaluation is not None:
            finals = sum(
                self.final_run(f"{label}-seed{seed}") is not None
                for label in ("best", "reference", "sparse")
                for seed in evaluation.seeds
            )
        return pool + candidates + finals

    def wall_time_s(self) -> float | None:
        """Seconds from the run's first event to its latest (at the report, its final evaluation); a resumed
        run's count includes the time it lay stopped. None before anything happened."""
        times = self.event_times()
        return (times[-1].time - times[0].time).total_seconds() if times else None

    def final_evaluation(self) -> FinalEvaluation | None:
        """The final retraining's scores; None until final_eval has run."""
        return self.read_json(self.FINAL_EVALUATION, FinalEvaluation) if self.exists(self.FINAL_EVALUATION) else None

    # ---- specs -----------------------------------------------------------------------------------

    def save_rubric(self, rubric: Rubric) -> None:
        self.write_json(f"specs/v{rubric.version}.json", rubric)

    def rubric(self, version: int) -> Rubric:
        return self.read_json(f"specs/v{version}.json", Rubric)

    POOL_REFERENCE = "pool/reference_training.json"

    def save_pool_reference(self, training: TrainingResult) -> None:
        """Keep the training result of the reference run that seeded the pool: its curve is evidence."""
        self.write_json(self.POOL_REFERENCE, training)

    def pool_reference(self) -> TrainingResult | None:
        """The pool's reference run, or None where it failed or the run predates this file."""
        return self.read_json(self.POOL_REFERENCE, TrainingResult) if self.exists(self.POOL_REFERENCE) else None

    GRAPH_THREAD = "graph_thread.txt"

    def graph_thread(self) -> str:
        """The LangGraph thread the run's checkpoints are under."""
        return self.path(self.GRAPH_THREAD).read_text().strip() if self.exists(self.GRAPH_THREAD) else "design"

    def new_graph_thread(self) -> str:
        """Start a new thread for a replay of the graph (see rewardsmith.api), and return its id."""
        replays = sum(1 for event in self.events() if event.get("event") == "replayed")
        thread = f"design-replay-{replays + 1}"
        self.write_text(self.GRAPH_THREAD, thread)
        return thread

    def current_rubric_text(self) -> str:
        """The newest rubric, rendered as agents read it; empty before specify has written one."""
        rubrics = self.rubrics()
        return rubrics[-1].render() if rubrics else ""

    def rubrics(self) -> list[Rubric]:
        folder = self.path("specs")
        versions = sorted(int(p.stem[1:]) for p in folder.glob("v*.json")) if folder.exists() else []
        return [self.rubric(v) for v in versions]


def library_versions() -> dict[str, str]:
    """Versions of rewardsmith and the libraries a run's results depend on."""
    import skrl
    import torch

    return {
        "rewardsmith": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "skrl": skrl.__version__,
        "langgraph": importlib.metadata.version("langgraph"),
    }
