"""What ``rewardsmith bench`` compares: the reward sources, and the budget they all get."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rewardsmith.config import DesignConfig
from rewardsmith.sandbox.factory import SandboxName
from rewardsmith.training.config import check_device

BenchMethod = Literal["sparse", "reference", "offline", "llm"]
"""Where a reward comes from: the task's sparse or reference reward, or a design run (rule-based or an LLM's)."""

METHODS: tuple[BenchMethod, ...] = get_args(BenchMethod)
#: The methods that design a reward before it is retrained on the seeds; the others are the task's own.
DESIGNED: tuple[BenchMethod, ...] = ("offline", "llm")


class BenchConfig(BaseModel):
    """One benchmark: every method on every task, each reward retrained on the same seeds and steps."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tasks: list[str] = Field(min_length=1, description="Tasks to run; default: every built-in task.")
    methods: list[BenchMethod] = Field(
        default=["sparse", "reference", "offline"],
        min_length=1,
        description="Reward sources, comma-separated: sparse, reference, offline (the rule-based designer), "
        "llm (the designer --llm names).",
    )
    seeds: int = Field(default=3, ge=1, le=20, description="Seeds each method's reward is trained on, per task.")
    # Declared once, in DesignConfig: a design run of the benchmark gets them as they are.
    steps: int | None = DesignConfig.model_fields["steps"]
    iterations: int = DesignConfig.model_fields["iterations"]
    samples: int = Field(default=3, ge=1, le=64, description="Candidates per round of the offline and llm methods.")
    llm: str = Field(default="local", description="The model of the llm method (any --llm form of `design`).")
    parallel: int = Field(default=2, ge=1, le=64, description="Sandbox jobs (training included) run at once.")
    sandbox: SandboxName = DesignConfig.model_fields["sandbox"]
    device: str = DesignConfig.model_fields["device"]
    out: Path = Field(default=Path("runs/bench"), description="Directory of the benchmark; run it again to resume.")

    _device = field_validator("device")(check_device)

    def design_config(self, task: str, out: Path, **changes: object) -> DesignConfig:
        """The DesignConfig of one design run or training of this benchmark, with its budget."""
        return DesignConfig(
            task=task,
            iterations=self.iterations,
            samples=self.samples,
            steps=self.steps,
            parallel=self.parallel,
            sandbox=self.sandbox,
            device=self.device,
            out=out,
            final_seeds=0,
            **changes,
        )
