"""Recording of every LLM call in the run, per-agent totals, and the run's shared token budget.

Each call becomes one JSON line of ``llm_calls.jsonl`` in the run directory, appended when the call
ends (success or failure), so an interrupted run keeps every call it paid for.
"""

from __future__ import annotations

import datetime
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from rewardsmith.llm.base import (
    BudgetExhaustedError,
    ChatMessage,
    ChatModel,
    ChatRequest,
    ChatResponse,
    LLMCallError,
)
from rewardsmith.llm.prices import cost_usd

CALLS_FILE = "llm_calls.jsonl"


class CallRecord(BaseModel):
    """One line of llm_calls.jsonl."""

    time: str = Field(description="UTC time the call ended, ISO 8601.")
    agent: str
    model: str = Field(description="The --llm form of the model called.")
    served_model: str | None = Field(default=None, description="The model the provider says answered.")
    messages: list[ChatMessage]
    temperature: float
    n: int
    max_tokens: int
    json_schema: bool = Field(description="The request carried a JSON schema for the answer.")
    texts: list[str] = Field(default_factory=list)
    finish_reasons: list[str | None] = Field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tokens_estimated: bool = False
    latency_s: float
    attempts: int = 1
    cost_usd: float | None = None
    error_kind: str | None = Field(default=None, description="Set when the call failed: the LLMCallError kind.")
    error: str | None = None

    def summary(self) -> str:
        """One line for a progress display, e.g. ``designer (local): 2 answers, 1,536 tokens in 68 s``."""
        head = f"{self.agent} ({self.model})"
        if self.error_kind is not None:
            return f"{head}: failed after {self.attempts} attempt(s) in {self.latency_s:.0f} s ({self.error_kind})"
        answers = f"{self.n} answers, " if self.n > 1 else ""
        return f"{head}: {answers}{self.completion_tokens:,} tokens in {self.latency_s:.0f} s"


class AgentTotals(BaseModel):
    calls: int = 0
    failed_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float | None = Field(default=None, description="Sum over priced calls; None when none was priced.")

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, record: CallRecord) -> None:
        self.calls += 1
        self.failed_calls += record.error_kind is not None
        self.prompt_tokens += record.prompt_tokens
        self.completion_tokens += record.completion_tokens
        self.latency_s += record.latency_s
        if record.cost_usd is not None:
            self.cost_usd = (self.cost_usd or 0.0) + record.cost_usd


class LLMUsage(BaseModel):
    """What the run's LLM calls cost, per agent and in all."""

    agents: dict[str, AgentTotals] = Field(default_factory=dict)
    total: AgentTotals = Field(default_factory=AgentTotals)
    budget_tokens: int | None = None

    @classmethod
    def of(cls, records: list[CallRecord], budget_tokens: int | None = None) -> LLMUsage:
        usage = cls(budget_tokens=budget_tokens)
        for record in records:
            usage.agents.setdefault(record.agent, AgentTotals()).add(record)
            usage.total.add(record)
        return usage


class TokenBudget:
    """Tokens (prompt plus completion) the whole run may spend, shared by all its agents.

    A call starts only while some budget is left, and its real usage is charged when it ends, so
    calls in flight together may overshoot the limit by at most their own size.
    """

    def __init__(self, limit: int | None) -> None:
        if limit is not None and limit <= 0:
            raise ValueError("the token budget must be positive (or None for no limit)")
        self.limit = limit
        self._spent = 0
        self._lock = threading.Lock()

    @property
    def spent(self) -> int:
        with self._lock:
            return self._spent

    @property
    def exhausted(self) -> bool:
        with self._lock:
            return self.limit is not None and self._spent >= self.limit

    def check(self) -> None:
        """Raises: BudgetExhaustedError: nothing is left."""
        with self._lock:
            if self.limit is not None and self._spent >= self.limit:
                raise BudgetExhaustedError(self._spent, self.limit)

    def charge(self, tokens: int) -> None:
        with self._lock:
            self._spent += tokens


class CallLog:
    """The run's llm_calls.jsonl plus running totals; one per run, shared by every agent's recorder."""

    def __init__(
        self,
        directory: Path,
        budget: TokenBudget | None = None,
        on_call: Callable[[CallRecord], None] | None = None,
    ) -> None:
        """``on_call`` hears of every call once it is recorded (the CLI prints a line per call)."""
        self.path = directory / CALLS_FILE
        self.budget = budget or TokenBudget(None)
        self.on_call = on_call
        self._lock = threading.Lock()
        self._usage = LLMUsage(budget_tokens=self.budget.limit)

    def append(self, record: CallRecord) -> None:
        line = record.model_dump_json() + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One write of one whole line to an O_APPEND file: lines never interleave.
            with self.path.open("a", encoding="utf-8") as stream:
                stream.write(line)
                stream.flush()
                os.fsync(stream.fileno())
            self._usage.agents.setdefault(record.agent, AgentTotals()).add(record)
            self._usage.total.add(record)
        if self.on_call is not None:
            self.on_call(record)

    def usage(self) -> LLMUsage:
        with self._lock:
            return self._usage.model_copy(deep=True)

    @staticmethod
    def read(directory: Path) -> list[CallRecord]:
        """The calls recorded in a run directory (none if it has no llm_calls.jsonl); a torn last line is skipped."""
        path = directory / CALLS_FILE
        if not path.exists():
            return []
        records = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(CallRecord.model_validate(json.loads(line)))
            except ValueError:
                continue
        return records


class RecordingModel:
    """A ChatModel that records each call of ``model`` for ``agent_name`` and spends the log's budget."""

    def __init__(self, model: ChatModel, sink: CallLog, agent_name: str, budget: TokenBudget | None = None) -> None:
        self.model = model
        self.sink = sink
        self.agent_name = agent_name
        self.budget = budget or sink.budget

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def supports_structured_output(self) -> bool:
        return self.model.supports_structured_output

    def load(self) -> None:
        self.model.load()

    def complete(self, request: ChatRequest) -> ChatResponse:
        self.budget.check()
        started = time.monotonic()
        try:
            response = self.model.complete(request)
        except LLMCallError as error:
            self.sink.append(self._record(request, None, time.monotonic() - started, error))
            raise
        self.budget.charge(response.total_tokens)
        self.sink.append(self._record(request, response, response.latency_s, None))
        return response

    def _record(
        self, request: ChatRequest, response: ChatResponse | None, latency_s: float, error: LLMCallError | None
    ) -> CallRecord:
        record = CallRecord(
            time=datetime.datetime.now(datetime.UTC).isoformat(),
            agent=self.agent_name,
            model=self.model.name,
            messages=list(request.messages),
            temperature=request.temperature,
            n=request.n,
            max_tokens=request.max_tokens,
            json_schema=request.json_schema is not None,
            latency_s=latency_s,
        )
        if error is not None:
            return record.model_copy(update={"error_kind": error.kind, "error": str(error), "attempts": error.attempts})
        assert response is not None
        return record.model_copy(
            update={
                "served_model": response.model,
                "texts": response.texts,
                "finish_reasons": response.finish_reasons,
                "prompt_tokens": response.prompt_tokens,
                "completion_tokens": response.completion_tokens,
                "tokens_estimated": response.tokens_estimated,
                "attempts": response.attempts,
                "cost_usd": cost_usd(self.model.name, response.prompt_tokens, response.completion_tokens),
            }
        )
