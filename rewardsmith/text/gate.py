"""The gate for text rewards: a reward that pays a probe as much as the median correct completion is not trained.

Competent behaviour is each example's ``solution`` (the checker passes it, and the gate checks that
it does); the probes (:mod:`rewardsmith.text.probes`) are scripted completions that do nothing useful.
Each probe's fitness is measured by the task's trusted checker, never assumed: a probe counts against a
reward only where its mean fitness is below the correct completions'. Such a probe *wins* when its
median reward reaches the median reward of the correct completions; the gate rejects a reward that any
probe wins, and names the probes that won, the one that beat competence by the most first, so the
designer knows what to bound.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from rewardsmith.gate.exploits import TEXT_PROBE_MEANINGS, TEXT_PROBES, TextProbeName
from rewardsmith.text.contract import TextRewardOutput
from rewardsmith.text.probes import probe_completions
from rewardsmith.text.task import TextExample, TextTask

TextRewardFn = Callable[
    [Sequence[str], Sequence[str], Sequence[str | None], Mapping[str, Sequence[Any]]], TextRewardOutput
]
"""A text reward as the gate calls it: ``(prompts, completions, answers, columns) -> TextRewardOutput``
(a loaded :class:`~rewardsmith.text.contract.TextReward`, or a rubric's ``score`` with its judge bound)."""

#: Training examples the gate scores each probe on unless told otherwise.
DEFAULT_GATE_EXAMPLES = 16


class TextProbeScore(BaseModel):
    """One probe at the gate: its measured fitness and what the reward paid it."""

    probe: TextProbeName
    fitness: float = Field(description="Mean trusted fitness of the probe's completions.")
    median_reward: float
    counts: bool = Field(description="Its fitness is below the correct completions', so paying it is a hack.")
    wins: bool = Field(description="It counts and its median reward reaches the correct completions'.")


class TextGateResult(BaseModel):
    """The gate's judgement of one text reward."""

    passed: bool
    correct_median_reward: float = Field(description="Median reward of the correct completions.")
    correct_fitness: float = Field(description="Mean trusted fitness of the correct completions (1 when sound).")
    probes: list[TextProbeScore]
    winners: list[TextProbeName] = Field(description="Every probe that won, the one paid most above competence first.")
    winner: TextProbeName | None = Field(description="The probe that beat competence by the most, if any.")
    reason: str = Field(description="One line for the designer: what was paid, and what that rewards.")


def text_gate(
    task: TextTask,
    reward: TextRewardFn,
    *,
    examples: Sequence[TextExample] | None = None,
    probes: Sequence[TextProbeName] = TEXT_PROBES,
    seed: int = 0,
) -> TextGateResult:
    """Score the correct completions and every probe with ``reward``, and judge it.

    Args:
        task: The task, whose checker measures each probe's fitness.
        reward: The reward under test.
        examples: The examples to score on; the first :data:`DEFAULT_GATE_EXAMPLES` training ones by default.
        probes: The probes to try; all by default.
        seed: Seed of the probes' random choices (guess order, wrong answers).

    Raises:
        RewardContractError: The reward broke its contract on some batch.
        ValueError: A solution fails the task's checker, so there is no competence to compare with.
    """
    chosen = tuple(examples if examples is not None else task.train[:DEFAULT_GATE_EXAMPLES])
    correct = _score(task, reward, chosen, [example.solution for example in chosen])
    correct_fitness = statistics.fmean(task.fitnesses([e.solution for e in chosen], chosen))
    if correct_fitness < 1.0:
        raise ValueError(f"task '{task.name}': a solution fails its own checker; fix the task before gating rewards")
    correct_median = statistics.median(correct)
    scores = []
    for probe in probes:
        completions = probe_completions(task, chosen, probe, seed)
        fitness = statistics.fmean(task.fitnesses(completions, chosen))
        median = statistics.median(_score(task, reward, chosen, completions))
        counts = fitness < correct_fitness
        scores.append(
            TextProbeScore(
                probe=probe,
                fitness=fitness,
                median_reward=median,
                counts=counts,
                wins=counts and median >= correct_median,
            )
        )
    # Sorted by margin; the sort is stable, so ties keep the probes' order.
    winners = sorted((score for score in scores if score.wins), key=lambda score: -score.median_reward)
    winner = winners[0] if winners else None
    return TextGateResult(
        passed=winner is None,
        correct_median_reward=correct_median,
        correct_fitness=correct_fitness,
        probes=scores,
        winners=[score.probe for score in winners],
        winner=winner.probe if winner else None,
        reason=_reason(winner, correct_median),
    )


def _score(
    task: TextTask, reward: TextRewardFn, examples: tuple[TextExample, ...], completions: list[str]
) -> list[float]:
    output = reward(
        [example.prompt for example in examples],
        completions,
        [example.answer for example in examples],
        task.columns(examples),
    )
    return output.rewards


def _reason(winner: TextProbeScore | None, correct_median: float) -> str:
    if winner is None:
        return f"no probe was paid as much as the median correct completion ({correct_median:.3g})"
    meaning = TEXT_PROBE_MEANINGS[winner.probe]
    return (
        f"probe '{winner.probe}' ({meaning.behaviour}; fitness {winner.fitness:.2f}) was paid a median "
        f"{winner.median_reward:.3g}, at least the median correct completion's {correct_median:.3g}: the reward "
        f"pays for {meaning.pays_for}"
    )
