"""What the loop's nodes share besides the graph state: the run, its task, agents and sandbox, and how
progress is reported."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from rewardsmith.agents.protocols import Agents
from rewardsmith.agents.types import Stage
from rewardsmith.config import DesignConfig
from rewardsmith.loop.record import CandidateStage, RunRecord, round_prefix
from rewardsmith.loop.state import LoopState
from rewardsmith.sandbox import Sandbox

if TYPE_CHECKING:
    from rewardsmith.loop.families.base import Family

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")


class Reporter(Protocol):
    """Progress as the loop runs; the CLI draws bars from it, the API ignores it."""

    def round_started(self, iteration: int, total: int) -> None: ...

    def candidate_done(self, candidate_id: str, stage: str, detail: str) -> None: ...

    def training_progress(self, candidate_id: str, steps: int, total: int) -> None: ...

    def note(self, text: str) -> None: ...

    def warning(self, text: str) -> None: ...

    def final_evaluation_started(self, runs: int) -> None: ...


class SilentReporter:
    """A reporter that reports nothing."""

    def round_started(self, iteration: int, total: int) -> None:
        return None

    def candidate_done(self, candidate_id: str, stage: str, detail: str) -> None:
        return None

    def training_progress(self, candidate_id: str, steps: int, total: int) -> None:
        return None

    def note(self, text: str) -> None:
        return None

    def warning(self, text: str) -> None:
        # Warnings are the one thing a silent reporter still says: they are about the user's safety.
        warnings.warn(text, RuntimeWarning, stacklevel=2)

    def final_evaluation_started(self, runs: int) -> None:
        return None


@dataclass
class LoopContext:
    """The run, its task's family, its agents and its sandbox, with the helpers every node uses."""

    record: RunRecord
    config: DesignConfig
    #: The task, as its family: what every node that depends on the kind of task asks.
    family: Family
    sandbox: Sandbox
    reporter: Reporter = field(default_factory=SilentReporter)
    agents: Agents = field(default_factory=Agents)
    #: Training branches run in threads, and each adds its policy's episodes to the one pool.
    pool_lock: threading.Lock = field(default_factory=threading.Lock)

    def round_ids(self, state: LoopState, stage: CandidateStage) -> list[str]:
        """The ids of this round's candidates that are at ``stage``."""
        prefix = round_prefix(state["iteration"])
        ids = sorted({c for c in state.get("designed", []) if c.startswith(prefix)})
        return [c for c in ids if self.record.status(c).stage == stage]

    def reject(self, candidate_id: str, stage: Stage, kind: str, reason: str) -> None:
        """Stop a candidate at ``stage``, with a stable kind and a reason a designer can act on."""
        self.record.update_status(candidate_id, stage="rejected", stopped_at=stage, reason_kind=kind, reason=reason)
        self.record.event("rejected", candidate=candidate_id, node=stage, kind=kind)
        self.reporter.candidate_done(candidate_id, f"rejected at {stage}", kind)

    def parallel(self, work: Callable[[ItemT], ResultT], items: list[ItemT]) -> list[ResultT]:
        """``work`` on every item, ``--parallel`` at a time."""
        if len(items) <= 1 or self.config.parallel == 1:
            return [work(item) for item in items]
        with ThreadPoolExecutor(max_workers=self.config.parallel) as pool:
            return list(pool.map(work, items))
