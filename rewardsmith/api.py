"""The Python API: ``design`` a reward for a task, ``resume`` a run that was cut off."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langgraph.types import Command, StateSnapshot

from rewardsmith.agents.protocols import Agents
from rewardsmith.config import DesignConfig
from rewardsmith.llm import CallRecord
from rewardsmith.loop.agents import chat_models_for
from rewardsmith.loop.context import LoopContext, Reporter, SilentReporter
from rewardsmith.loop.families import Family, open_family
from rewardsmith.loop.graph import build_graph
from rewardsmith.loop.lock import RunLock
from rewardsmith.loop.nodes.design import SEED_REWARD
from rewardsmith.loop.record import RunRecord
from rewardsmith.loop.results import DesignResult, PausedRun
from rewardsmith.rewards.files import RewardFileError, read_reward_file
from rewardsmith.sandbox import (
    UNISOLATED_WARNING,
    BackendChoice,
    Sandbox,
    SandboxStoppedError,
    choose_backend,
    close_sandbox,
    open_sandbox,
)
from rewardsmith.tasks import Task

SandboxOpener = Callable[[BackendChoice], Sandbox]
"""Opens the sandbox a run's jobs go to, given the backend chosen for it (see ``design``)."""

#: Seconds an interrupted run waits for its running jobs to end (and their containers to go).
STOP_WAIT_S = 60.0


class SeedRewardError(ValueError):
    """The seed reward file cannot be read; the message says which and why."""


class RunDirectoryError(OSError):
    """The run directory cannot be made under ``out``; the message says which and what to do."""


class NotPausedError(ValueError):
    """Feedback was given for a run that is not paused for review; nothing was run."""


class RunInterruptedError(KeyboardInterrupt):
    """A signal (Ctrl-C, SIGTERM) stopped the run: its jobs were ended and its record kept for ``resume``.

    Args:
        run_dir: The run's directory.
        signal_name: The signal that stopped it, e.g. 'SIGINT'.
    """

    def __init__(self, run_dir: Path, signal_name: str) -> None:
        super().__init__(
            f"interrupted by {signal_name}: the run is kept in {run_dir}; "
            f"continue it with `rewardsmith resume {run_dir}`"
        )
        self.run_dir = run_dir
        self.signal_name = signal_name


def design(
    task: str | type[Task],
    reporter: Reporter | None = None,
    agents: Agents | None = None,
    sandbox_opener: SandboxOpener | None = None,
    **config: Any,
) -> DesignResult | PausedRun:
    """Design a reward for ``task`` and return the best one with its scores (or, with ``review=True``,
    a :class:`~rewardsmith.loop.results.PausedRun` after the first round: continue it with ``resume``).

    Args:
        task: A registry name, ``path/to/file.py:ClassName``, or a task class registered with
            :func:`rewardsmith.tasks.register`.
        reporter: Receives progress; nothing is reported when ``None``.
        agents: The designer, critic, analyzer and spec agents; when ``None``, those ``llm`` and the
            per-agent ``*_llm`` settings name (the rule-based ones for 'offline').
        sandbox_opener: Opens the sandbox the run's jobs go to, given the backend chosen here; when
            ``None``, that backend itself, in this process (a batch sends the jobs to its executor).
        **config: Fields of :class:`rewardsmith.config.DesignConfig` (iterations, samples, steps,
            parallel, seed, device, out, ...).

    Raises:
        rewardsmith.tasks.TaskLoadError: The task cannot be found or breaks the task contract.
        pydantic.ValidationError: A config value is out of range.
        RunDirectoryError: The run directory cannot be created under ``out``.
        rewardsmith.sandbox.SandboxUnavailableError: No sandbox of the kind asked for can run here.
        SeedRewardError: ``seed_reward`` names a file that cannot be read.
        rewardsmith.llm.LLMUnavailableError: A model named cannot run here (a missing key, package
            or file, a server that does not answer); raised before the run directory is made.
        RunInterruptedError: A signal stopped the run; its record is kept for ``resume``.
    """
    task_ref = task if isinstance(task, str) else task.spec.name
    family = open_family(task_ref)
    if ":" in task_ref and task_ref.split(":", 1)[0].endswith(".py"):
        # Absolute, so that ``resume`` finds the file from any working directory.
        path, name = task_ref.rsplit(":", 1)
        task_ref = f"{Path(path).resolve()}:{name}"
    design_config = DesignConfig(task=task_ref, **config)
    family.check(design_config)
    # Before the run directory exists: a host with no usable sandbox, a seed reward that cannot be
    # read, or a model that cannot run here, leaves nothing half made.
    # Models first: a bad key or model is the user's to fix whatever sandbox the machine has. Each is
    # loaded, or its server reached, now, so that a run never starts on a model that cannot answer.
    models = chat_models_for(design_config) if agents is None else None
    for model in {id(model): model for model in (models or {}).values()}.values():
        model.load()
    choice = choose_backend(design_config.sandbox)
    seed_code = _read_seed_reward(design_config.seed_reward)
    try:
        record = RunRecord.create(design_config, family.facts.name)
    except OSError as error:
        raise RunDirectoryError(
            f"cannot create a run directory under '{design_config.out}' ({error.strerror or error}); "
            "pass a writable --out"
        ) from None
    with RunLock(record.dir, command="design"):
        if agents is None:
            agents = family.agents(
                design_config, record.dir, record.current_rubric_text, models=models, on_call=_noting(reporter)
            )
        if seed_code is not None:
            # A copy in the run: a resumed run designs from the same seed even if the file moved.
            record.path(SEED_REWARD).write_text(seed_code)
        record.event("run_started", run_id=record.run_id, task=family.facts.name)
        return _run(
            record, family, reporter or SilentReporter(), agents, fresh=True, choice=choice, opener=sandbox_opener
        )


def _noting(reporter: Reporter | None) -> Callable[[CallRecord], None] | None:
    """Report each LLM call as it ends: a model on a CPU can take a minute over one answer."""
    if reporter is None:
        return None
    return lambda call: reporter.note(f"  {call.summary()}")


def _read_seed_reward(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return read_reward_file(path, "--seed-reward")
    except RewardFileError as error:
        raise SeedRewardError(str(error)) from None


def resume(
    run_dir: str | Path,
    reporter: Reporter | None = None,
    agents: Agents | None = None,
    feedback: str | None = None,
    sandbox_opener: SandboxOpener | None = None,
) -> DesignResult | PausedRun:
    """Continue a run that was cut off, without redoing finished work; a finished run returns its result.

    A run paused for review (``review=True``) continues with ``feedback``, which the next round's
    designer reads (None or empty: no feedback); it returns a :class:`PausedRun` again at the next pause.
    Whatever the run's checkpoint says, a run whose record has no summary is finished from its record:
    work already on disk is never done again.
    ``sandbox_opener`` is as for :func:`design` (a batch resumes its runs on its executor).

    Raises:
        rewardsmith.loop.record.RunNotFoundError: ``run_dir`` is not a run directory.
        rewardsmith.loop.lock.RunLockedError: Another process is running it.
        NotPausedError: ``feedback`` was given, but the run is not paused for review.
        RunInterruptedError: A signal stopped it again; it can be resumed again.
    """
    record = RunRecord.open(Path(run_dir))
    with RunLock(record.dir, command="resume"):
        config = record.config_record().config
        family = open_family(config.task)
        if agents is None:
            agents = family.agents(
                config, record.dir, record.current_rubric_text, models=None, on_call=_noting(reporter)
            )
        record.event("run_resumed", run_id=record.run_id)
        return _run(
            record,
            family,
            reporter or SilentReporter(),
            agents,
            fresh=False,
            feedback=feedback,
            opener=sandbox_opener,
        )


def _run(
    record: RunRecord,
    family: Family,
    reporter: Reporter,
    agents: Agents,
    fresh: bool,
    choice: BackendChoice | None = None,
    feedback: str | None = None,
    opener: SandboxOpener | None = None,
) -> DesignResult | PausedRun:
    config = record.config_record().config
    # The caller holds the run's lock.
    sandbox = None
    connection = sqlite3.connect(record.path("checkpoints.sqlite"), check_same_thread=False)
    try:
        choice = choice or choose_backend(config.sandbox)
        if opener is None:
            sandbox = open_sandbox(choice, pool_size=config.parallel, say=reporter.note)
        else:
            sandbox = opener(choice)
        record.event("sandbox_selected", backend=sandbox.name, reason=choice.reason, isolation=sandbox.isolation)
        if not choice.isolating:
            record.event("sandbox_unisolated", warning=UNISOLATED_WARNING)
            reporter.warning(UNISOLATED_WARNING)
        ctx = LoopContext(
            record=record, config=config, family=family, sandbox=sandbox, reporter=reporter, agents=agents
        )
        graph = build_graph(ctx, connection)
        paused = _advance(graph, record, config.recursion_limit(), config.parallel, fresh, feedback)
    except (KeyboardInterrupt, SandboxStoppedError) as interruption:
        # No new job may start, and the running ones end now, their containers with them; what they
        # would have written is never written, so resume runs them again.
        if sandbox is not None:
            sandbox.stop()
            sandbox.wait_idle(STOP_WAIT_S)
        signal_name = getattr(interruption, "signal_name", "SIGINT")
        record.event("interrupted", signal=signal_name)
        raise RunInterruptedError(record.dir, signal_name) from None
    finally:
        connection.close()
        if sandbox is not None:
            close_sandbox(sandbox)
    if paused is not None:
        record.event("paused_for_review", iteration=paused.get("iteration"))
        return PausedRun(run_id=record.run_id, run_dir=record.dir, **paused)
    summary = record.summary()
    if summary is None:
        raise RuntimeError(f"the run in {record.dir} ended without a summary; see its events.jsonl")
    return summary


def _advance(
    graph: Any, record: RunRecord, recursion_limit: int, parallel: int, fresh: bool, feedback: str | None
) -> dict[str, Any] | None:
    """Run the graph as far as it goes; the pending review's value when it pauses, else None."""

    def settings(thread: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread}, "recursion_limit": recursion_limit, "max_concurrency": parallel}

    thread = record.graph_thread()
    snapshot = graph.get_state(settings(thread))
    pending = _pending_interrupt(snapshot)
    if feedback is not None and pending is None:
        raise NotPausedError(
            f"the run {record.dir} is not paused for review, so --feedback has nothing to answer; resume it without"
        )
    started = bool(snapshot.values) or bool(snapshot.next)
    if fresh or not started:
        graph.invoke({}, settings(thread), durability="sync")
    elif pending is not None:
        graph.invoke(Command(resume=feedback or ""), settings(thread), durability="sync")
    elif snapshot.next:
        graph.invoke(None, settings(thread), durability="sync")
    elif record.summary() is None:
        # The checkpoint has nothing left to run, yet the record has no summary (an interruption can leave
        # it so): replay the graph from its start on a new thread. Every node skips work on disk, so
        # this finishes what is owed and redoes nothing.
        thread = record.new_graph_thread()
        record.event("replayed", thread=thread)
        graph.invoke({}, settings(thread), durability="sync")
    return _pending_interrupt(graph.get_state(settings(thread)))


def _pending_interrupt(snapshot: StateSnapshot) -> dict[str, Any] | None:
    """The value of the review interrupt the run waits on, if it waits on one."""
    for task in snapshot.tasks:
        for pending in task.interrupts:
            value = pending.value
            return {
                "iteration": value["iteration"],
                "next": value["next"],
                "best_candidate_id": value.get("best_id"),
                "best_fitness": value.get("best_fitness"),
                "summary": value["summary"],
            }
    return None
