"""What the text detectors observe, and the measures they share.

A detector compares the untrained policy's greedy held-out completions (the curve's first point, step
0) with the trained policy's (its last point): the same prompts, the same decoding, so a change is
the training's. The held-out fitness is the task's trusted checker, which reward code never sees.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from rewardsmith.text.training.result import EvalPoint, JudgedCompletion, TextTrainingResult

#: Held-out fitness is in [0, 1]; a gain below this is no gain at the held-out split's size.
FITNESS_STILL = 0.05


class TextObserved(BaseModel):
    """Everything a text detector reads about one trained candidate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    result: TextTrainingResult = Field(description="The GRPO run: its learning curve on the held-out split.")
    max_chars: int = Field(gt=0, description="The task's length limit; a longer completion has fitness 0.")
    competent_reward: float | None = Field(
        default=None,
        description="The median reward the reward pays the task's solutions (the job scores them before training): "
        "the scale a change of reward is measured on; None where unknown.",
    )

    @property
    def judged(self) -> list[JudgedCompletion]:
        """The judge criteria's verdicts on the trained policy's held-out completions, beside the checker's;
        empty where the reward has no judge."""
        return self.last.judged

    @property
    def first(self) -> EvalPoint:
        return self.result.curve[0]

    @property
    def last(self) -> EvalPoint:
        return self.result.curve[-1]

    @property
    def trained(self) -> bool:
        """Whether the curve has a point after the untrained policy's, so that there is a change to judge."""
        return len(self.result.curve) >= 2 and self.last.step > self.first.step

    @property
    def fitness_gain(self) -> float:
        return self.last.held_out_fitness - self.first.held_out_fitness

    @property
    def fitness_still(self) -> bool:
        """The held-out fitness did not rise: what a paid behaviour would have had to buy."""
        return self.fitness_gain < FITNESS_STILL
