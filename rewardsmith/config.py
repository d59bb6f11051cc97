"""The typed configuration of one design run; the CLI's help comes from these descriptions."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rewardsmith.sandbox.factory import SandboxName


class DesignConfig(BaseModel):
    """One design run: the loop's size, its training budget, and where its record goes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task: str = Field(description="Task name or path/to/file.py:ClassName.")
    iterations: int = Field(default=2, ge=1, le=100, description="Design rounds before the final evaluation.")
    samples: int = Field(default=4, ge=1, le=64, description="Candidates the designer writes per round (K).")
    steps: int | None = Field(
        default=None, gt=0, description="Env steps to train each candidate; default: the task's own budget."
    )
    parallel: int = Field(default=1, ge=1, le=64, description="Sandbox jobs (training included) run at once.")
    seed: int = Field(default=0, ge=0, lt=2**31, description="Seed of the designer and of candidate training.")
    device: str = Field(default="auto", description="Training device: 'cpu', 'cuda', 'cuda:N' or 'auto'.")
    out: Path = Field(default=Path("runs"), description="Directory that receives the run directory.")
    llm: Literal["offline"] = Field(default="offline", description="Who designs: 'offline' is the rule-based agents.")
    sandbox: SandboxName = Field(
        default="auto",
        description="Where candidate code runs: 'docker' (a hardened container), 'bwrap' (Linux namespaces), "
        "'auto' (docker, else bwrap) or 'none' (a plain process with resource limits only: no isolation).",
    )
    final_seeds: int = Field(default=3, ge=1, le=20, description="Seeds the best reward is retrained on at the end.")
    target_fitness: float | None = Field(
        default=None, description="Stop early once a candidate reaches this fitness; default: never stop early."
    )
    job_timeout_s: float = Field(default=900.0, gt=0, description="Wall-clock limit of one training job.")
    verify_timeout_s: float = Field(default=60.0, gt=0, description="Wall-clock limit of one verify job.")
    memory_mb: int | None = Field(default=None, gt=0, description="Address-space limit of a sandbox job, MiB.")
    threads: int = Field(default=1, ge=1, le=64, description="Torch threads inside each sandbox job.")
    gate_pool: bool = Field(
        default=True,
        description="Score every candidate on a pool of labelled trajectories and hack probes before training, and "
        "train none that ranks them wrongly; building the pool costs one reference-reward training per run.",
    )
    seed_reward: Path | None = Field(
        default=None,
        description="A reward file to start from: it is the first round's first candidate, checked like any other.",
    )

    @field_validator("sandbox", mode="before")
    @classmethod
    def _process_is_none(cls, value: object) -> object:
        # Run records written before the isolating backends existed say "process" for what is now "none".
        return "none" if value == "process" else value

    def recursion_limit(self) -> int:
        """LangGraph's step limit for this run, from the number of rounds rather than its 10007 default."""
        # specify + final_eval + report, and per round: design, critic, verify, gate, train, analyze,
        # select and correct_spec; doubled for slack so a legitimate run never hits it.
        return 2 * (4 + 10 * self.iterations)
