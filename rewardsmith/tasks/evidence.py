"""What a recorded episode shows, in numbers a task names: the evidence a report gives beside its pictures.

A task with no reference reward has no normalised score, so its report must let a reader judge the
trained behaviour from the episodes themselves: a locomotion variant says how far, and which way,
the robot went.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class EpisodeFact(BaseModel):
    """One measured property of one recorded episode."""

    name: str = Field(description="What was measured, e.g. 'x displacement'.")
    value: float
    unit: str = Field(description="Its unit; '-' where it has none.")
    meaning: str = Field(description="How to read the value, e.g. 'negative is backwards'.")

    def text(self) -> str:
        unit = "" if self.unit == "-" else f" {self.unit}"
        return f"{self.name} {self.value:.3g}{unit} ({self.meaning})"
