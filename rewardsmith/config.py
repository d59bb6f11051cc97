"""The typed configuration of one design run; the CLI's help comes from these descriptions."""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rewardsmith.llm.choice import parse_llm_choice
from rewardsmith.sandbox.factory import SandboxName, sandbox_help
from rewardsmith.training.config import check_device

#: The agents that may each be given their own model (``--designer-llm`` and so on).
AGENT_ROLES = ("designer", "critic", "analyzer", "spec")


class DesignConfig(BaseModel):
    """One design run: the loop's size, its training budget, and where its record goes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task: str = Field(description="A task name (see `rewardsmith tasks`) or path/to/file.py:ClassName.")
    iterations: int = Field(default=2, ge=1, le=100, description="Design rounds before the final evaluation.")
    samples: int = Field(default=4, ge=1, le=64, description="Candidates the designer writes per round (K).")
    steps: int | None = Field(
        default=None, gt=0, description="Env steps to train each candidate; default: the task's own budget."
    )
    parallel: int = Field(default=1, ge=1, le=64, description="Sandbox jobs (training included) run at once.")
    seed: int = Field(default=0, ge=0, lt=2**31, description="Seed of the designer and of candidate training.")
    device: str = Field(default="auto", description="Training device: 'cpu', 'cuda', 'cuda:N' or 'auto'.")
    out: Path = Field(default=Path("runs"), description="Directory that receives the run directory.")
    llm: str = Field(
        default="offline",
        description="Which model the agents call: 'offline' (the rule-based agents), 'local' (the embedded model), "
        "'openai:MODEL', 'openai-compatible:MODEL@URL', 'vllm:MODEL' or 'hf:PATH_OR_ID[:FILE.gguf]'.",
    )
    designer_llm: str | None = Field(default=None, description="The designer's model; default: --llm.")
    critic_llm: str | None = Field(default=None, description="The critic's model; default: --llm.")
    analyzer_llm: str | None = Field(default=None, description="The trajectory analyzer's model; default: --llm.")
    spec_llm: str | None = Field(default=None, description="The spec writer's and corrector's model; default: --llm.")
    judge_llm: str | None = Field(
        default=None,
        description="Text tasks: the LLM judge of rubric judge criteria and of reward code that asks for one; "
        "default: the embedded model, inside the sandbox. A judge behind a server needs --sandbox none.",
    )
    temperature: float = Field(default=0.7, ge=0.0, le=2.0, description="Sampling temperature of the designer.")
    max_tokens: int | None = Field(
        default=None,
        ge=16,
        description="Most completion tokens of any one LLM answer, every agent. Default: the designer 2048 "
        "(768 on a model generating on this machine, local or hf), the critic and analyzer 1024, the spec "
        "corrector 2048.",
    )
    budget_tokens: int | None = Field(
        default=None,
        gt=0,
        description="Tokens (prompt plus completion) all LLM calls of the run may spend; once spent, the run "
        "finishes its round and goes to the final evaluation. Default: no limit.",
    )
    critic_repairs: int = Field(
        default=1, ge=0, le=5, description="Repair rounds a candidate the critic rejects gets from the designer."
    )
    review: bool = Field(
        default=False, description="Pause after each round for a reviewer's feedback, which the designer reads."
    )
    # Checked against the backend table; "process", which run records written before the isolating
    # backends existed say, is read as its other name, "none".
    sandbox: SandboxName = Field(default="auto", description=sandbox_help())
    final_seeds: int = Field(
        default=3,
        ge=0,
        le=20,
        description="Seeds the best reward is retrained on at the end, beside the reference and sparse rewards; "
        "0 skips that retraining (the result then has the loop's own fitness and no normalised score).",
    )
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
    rank: int = Field(
        default=16,
        ge=0,
        le=256,
        description="Drafts the offline designer writes per round and ranks on the gate's pool before any RL; only "
        "the best --samples train. At most --samples (or no pool): no ranking.",
    )

    _device = field_validator("device")(check_device)

    @field_validator("target_fitness")
    @classmethod
    def _finite_target(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("the target fitness must be a finite number")
        return value

    @field_validator("llm", "designer_llm", "critic_llm", "analyzer_llm", "spec_llm", "judge_llm")
    @classmethod
    def _known_llm(cls, value: str | None) -> str | None:
        # Kept as the string the user wrote, so run records written before this field widened still load.
        if value is not None:
            parse_llm_choice(value)
        return value

    def llm_for(self, role: str) -> str:
        """The ``--llm`` string of one agent role (one of :data:`AGENT_ROLES`)."""
        if role not in AGENT_ROLES:
            raise ValueError(f"unknown agent role {role!r}; one of {', '.join(AGENT_ROLES)}")
        override: str | None = getattr(self, f"{role}_llm")
        return override or self.llm

    @property
    def designer_label(self) -> str:
        """Who designs, as records and reports name it: 'rule-based (offline)' or the designer's model."""
        designer = self.llm_for("designer")
        return designer if parse_llm_choice(designer).calls_a_model else "rule-based (offline)"

    @property
    def uses_llm(self) -> bool:
        return any(parse_llm_choice(self.llm_for(role)).calls_a_model for role in AGENT_ROLES)

    def recursion_limit(self) -> int:
        """LangGraph's step limit for this run, from the number of rounds rather than its 10007 default."""
        # specify + final_eval + report, and per round: design, critic, verify, gate, train, analyze,
        # select, review and correct_spec; doubled for slack so a legitimate run never hits it.
        return 2 * (4 + 11 * self.iterations)
