"""The graph's state and the payload its training fan-out sends: small, typed, and checkpointed."""

from __future__ import annotations

import operator
from typing import Annotated, Literal, TypedDict

from pydantic import BaseModel

#: Where select sends the run after a round.
NextStep = Literal["design", "correct_spec", "final_eval"]


class LoopState(TypedDict, total=False):
    """The graph state: ids, numbers and short summaries, with reducers on the lists that parallel
    branches append to. Code, episodes, metrics and verdicts live in the run record."""

    iteration: int
    rubric_version: int
    designed: Annotated[list[str], operator.add]
    trained: Annotated[list[str], operator.add]
    history: Annotated[list[dict], operator.add]  # IterationRecord dumps
    best_id: str | None
    best_fitness: float | None
    finished: bool
    after_review: NextStep | None


class TrainTask(BaseModel):
    """What one training branch gets through ``Send``."""

    candidate_id: str
    rubric_version: int = 1
