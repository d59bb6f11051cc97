"""The rule-based text designer's genome: which terms a text reward has, their weights and their bounds.

A candidate carries its genome as its first line (``# rewardsmith-text-genome: {...}``), so the next round
mutates the best candidate's genome without reading its code back. The genome holds only choices; what the
task looks like (:class:`~rewardsmith.text.agents.shape.TaskShape`) is read again from each request.

Some settings exist only so that a reward written elsewhere, or by hand, can be described and repaired:
a base pay, a prompt-overlap ("relevance") pay, format paid on its own, summed step rewards, any guess
counted. The designer's own defaults never set them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rewardsmith.text.agents.shape import TaskShape, in_form_share, overlong_share

GENOME_MARKER = "# rewardsmith-text-genome: "

FormatGate = Literal["present", "content", "correct"]
"""What the format term needs besides the form: nothing, content of the answer's kind, or the right content."""
StepMode = Literal["off", "sum", "clip", "delta"]
"""How checked steps are paid: not at all, summed (farmable), or bounded by Clip or Delta (text/steps.py)."""
Pick = Literal["last", "any"]
"""Which answer counts where a completion gives several: the last, or any (which pays guessing)."""


class TextGenome(BaseModel):
    """The terms of a text reward and their settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    correct: float = Field(default=1.0, ge=0, description="Pay for the right content (or the share of facts).")
    partial: float = Field(default=0.0, ge=0, description="Pay for a list with the right items in the wrong order.")
    format: float = Field(default=0.1, ge=0, description="Pay for the required form.")
    format_gate: FormatGate = "content"
    pick: Pick = "last"
    single_answer: bool = Field(default=True, description="A completion with several answers is paid for none.")
    length_cap: bool = Field(default=True, description="Nothing positive is paid past the length or word limit.")
    overlong: float = Field(default=0.2, ge=0, description="Weight of the soft penalty near and past the limit.")
    overlong_start: float = Field(default=0.8, gt=0, lt=1, description="Share of the limit where it starts.")
    repetition: float = Field(default=0.3, ge=0, description="Weight of the penalty on repeated lines and n-grams.")
    ngram: int = Field(default=3, ge=2, le=6, description="Words in the n-grams the repetition penalty counts.")
    steps: StepMode = "off"
    step_weight: float = Field(default=0.1, ge=0)
    copy_penalty: float = Field(default=0.3, ge=0, description="Weight of the penalty on overlap with the prompt.")
    copy_threshold: float = Field(default=0.5, ge=0, lt=1, description="Overlap share below which it costs nothing.")
    guard_instructions: bool = Field(
        default=True, description="A completion that addresses the grader is paid nothing positive."
    )
    base: float = Field(default=0.0, ge=0, description="Pay for any completion at all.")
    relevance: float = Field(default=0.0, ge=0, description="Pay for the share of words also in the prompt.")

    def marker_line(self) -> str:
        return GENOME_MARKER + self.model_dump_json()


#: Below this share of the policy's completions in form, the form is paid more, to be learnt first.
FORM_SHARE = 0.5
#: Above this share of the policy's completions over the limit, the approach to the limit costs more.
OVERLONG_SHARE = 0.25


def default_genome(shape: TaskShape, completions: Sequence[str] = ()) -> TextGenome:
    """The designer's best guess for a task of this shape, and for a policy that writes ``completions``.

    A policy that seldom writes the form gets more pay for it (still only with content of the answer's
    kind), and one that often runs past the limit a stronger penalty as it nears it.
    """
    form = in_form_share(shape, completions)
    overlong = overlong_share(shape, completions)
    return TextGenome(
        partial=0.1 if shape.answer_kind == "list" else 0.0,
        format=0.0 if shape.answer_kind == "none" else (0.2 if form is not None and form < FORM_SHARE else 0.1),
        overlong=0.4 if overlong is not None and overlong > OVERLONG_SHARE else 0.2,
        steps="clip" if shape.checkable_steps else "off",
    )


def genome_from_code(code: str) -> TextGenome | None:
    """The genome a rule-based text candidate carries on its first line; None for code without a valid one."""
    first = code.split("\n", 1)[0]
    if not first.startswith(GENOME_MARKER):
        return None
    try:
        return TextGenome.model_validate_json(first.removeprefix(GENOME_MARKER))
    except ValidationError:
        return None


def describe_genome(genome: TextGenome, shape: TaskShape | None = None) -> str:
    """The genome in one line: each paying term with its weight, then the bounds; the content term is called
    'coverage' for a task whose shape has no answers."""
    content = "coverage" if shape is not None and shape.answer_kind == "none" else "correct"
    parts = [f"{content} {genome.correct:.3g}"]
    if genome.partial:
        parts.append(f"partial {genome.partial:.3g}")
    if genome.format:
        parts.append(f"format {genome.format:.3g} (needs {genome.format_gate})")
    if genome.steps != "off":
        parts.append(f"steps {genome.step_weight:.3g} ({genome.steps})")
    for name in ("base", "relevance"):
        if getattr(genome, name):
            parts.append(f"{name} {getattr(genome, name):.3g}")
    bounds = [
        f"{genome.pick} answer{' only' if genome.single_answer else ''}",
        "length cap" if genome.length_cap else "no length cap",
        f"overlong -{genome.overlong:.3g} from {genome.overlong_start:.0%}",
        f"repetition -{genome.repetition:.3g} ({genome.ngram}-grams)",
        f"prompt copy -{genome.copy_penalty:.3g} over {genome.copy_threshold:.0%}",
    ]
    if genome.guard_instructions:
        bounds.append("no pay to text addressed to the grader")
    return ", ".join(parts) + "; " + ", ".join(bounds)
