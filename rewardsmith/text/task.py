"""The text task contract: prompts with a training and a held-out split, and fitness held out from reward code.

A :class:`TextTask` is data, not an environment: the policy is a language model that writes one
completion per prompt, and an episode is one prompt and its completion. What a text task provides:

- ``train`` and ``held_out``: :class:`TextExample` prompts, each with its reference ``answer`` where it
  can be checked, its ``info`` columns (passed to reward code by name, as TRL passes dataset columns),
  and a ``solution``: one completion the checker accepts, which the gate uses as competent behaviour;
- ``description``: what a designer reads, the required answer format and the length limit included;
- ``checker``: the trusted fitness of one completion, in [0, 1]. It is never shown to a designer and
  runs on the held-out split; a completion longer than ``max_chars`` scores 0 whatever it says;
- ``sparse_reward_code`` (the bare check on the training split, in the reward contract) and
  ``reference_reward_code``, the floor and the ceiling of normalised scores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Split = Literal["train", "held_out"]

InfoValue = str | int | float | list[str] | list[int]


class TextExample(BaseModel):
    """One prompt of a text task."""

    model_config = ConfigDict(frozen=True)

    prompt: str = Field(min_length=1, description="The text the policy completes.")
    answer: str | None = Field(description="The reference answer, normalised; None where no exact answer exists.")
    solution: str = Field(description="A completion the trusted checker accepts in full: competent behaviour.")
    form: str = Field(
        description="The required answer form, with '{answer}' where the content goes ('Answer: {answer}'): what "
        "the gate's probes fill with nothing, guesses or a wrong answer."
    )
    info: dict[str, InfoValue] = Field(
        default_factory=dict, description="Extra columns reward code receives by name (facts, limits, formats)."
    )


Checker = Callable[[str, TextExample], float]
"""The trusted fitness of a completion to an example, in [0, 1]."""


class TextTask(BaseModel):
    """A text task: its splits, what a designer reads, its trusted checker and its sparse and reference rewards."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Registry name, e.g. 'arithmetic'.")
    description: str = Field(description="The task in words for a designer: format and length limit included.")
    seed: int = Field(description="Seed the examples were generated from; the same seed gives the same examples.")
    max_chars: int = Field(gt=0, description="Longest completion that can score; a longer one has fitness 0.")
    train: tuple[TextExample, ...] = Field(min_length=1, description="Prompts reward code is designed and trained on.")
    held_out: tuple[TextExample, ...] = Field(min_length=1, description="Prompts fitness is measured on; unseen.")
    checker: Checker = Field(exclude=True, repr=False, description="The trusted fitness of one completion.")
    format_check: Checker | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="1 when a completion has the required answer form, right or wrong; None where the task has no "
        "form apart from its content. Training statistics count completions in form that the checker fails.",
    )
    sparse_reward_code: str = Field(description="The bare check on the training split, in the reward contract.")
    reference_reward_code: str | None = Field(description="A reward written by hand, the ceiling of normalised scores.")

    def examples(self, split: Split) -> tuple[TextExample, ...]:
        return self.train if split == "train" else self.held_out

    def fitness(self, completion: str, example: TextExample) -> float:
        """The trusted fitness of ``completion``: 0 past the length limit, else the checker's score."""
        if len(completion) > self.max_chars:
            return 0.0
        return float(self.checker(completion, example))

    def format_met(self, completion: str, example: TextExample) -> bool | None:
        """Whether ``completion`` has the required answer form, whatever its content; None without a format check."""
        if self.format_check is None:
            return None
        return len(completion) <= self.max_chars and self.format_check(completion, example) > 0

    def fitnesses(self, completions: Sequence[str], examples: Sequence[TextExample]) -> list[float]:
        """:meth:`fitness` of each completion against the example at the same position.

        Raises:
            ValueError: The two sequences differ in length.
        """
        if len(completions) != len(examples):
            raise ValueError(f"{len(completions)} completions for {len(examples)} examples; give one per example")
        return [self.fitness(completion, example) for completion, example in zip(completions, examples, strict=True)]

    def columns(self, examples: Sequence[TextExample]) -> dict[str, list[Any]]:
        """The examples' ``info`` as columns by name, for reward code's keyword arguments, and ``max_chars``
        (the length limit the description states) for each."""
        names = sorted({name for example in examples for name in example.info})
        columns: dict[str, list[Any]] = {name: [example.info.get(name) for example in examples] for name in names}
        columns["max_chars"] = [self.max_chars] * len(examples)
        return columns

    def designer_context(self, count: int = 3, completions: Sequence[str] = ()) -> str:
        """What a designer reads: the description, a few training prompts and, where given, the current
        policy's completion of each (never a solution, an answer or the checker).

        Args:
            count: Training prompts shown.
            completions: The policy's completions of the first prompts, in order; the first ``count`` are shown.
        """
        columns = ", ".join(sorted({*self.columns(self.train[:1]), *(n for e in self.train for n in e.info)}))
        extra = f"\nReward code also receives these columns by name: {columns}." if columns else ""
        shown = []
        for index, example in enumerate(self.train[:count]):
            block = f"Prompt {index + 1}:\n{example.prompt}"
            if index < len(completions):
                block += f"\nThe current policy answered:\n{completions[index]}"
            shown.append(block)
        return f"{self.description}{extra}\n\n" + "\n\n".join(shown)
