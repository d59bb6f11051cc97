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

from pydantic import BaseModel, ConfigDict, Field

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


class TextGateBatch(BaseModel):
    """One batch the gate has the reward score: the correct completions, or one probe's."""

    model_config = ConfigDict(frozen=True)

    probe: TextProbeName | None = Field(description="The probe that wrote them; None for the correct completions.")
    completions: list[str] = Field(description="One completion per gate example, in order.")
    fitness: float = Field(description="Mean trusted fitness of the completions.")


class TextGatePlan(BaseModel):
    """What the gate scores, made on the host without the reward: its examples and one batch per probe."""

    model_config = ConfigDict(frozen=True)

    examples: tuple[TextExample, ...]
    batches: list[TextGateBatch] = Field(description="The correct completions first, then each probe's.")


def plan_text_gate(
    task: TextTask,
    examples: Sequence[TextExample] | None = None,
    probes: Sequence[TextProbeName] = TEXT_PROBES,
    seed: int = 0,
) -> TextGatePlan:
    """The correct completions and every probe's on ``examples``, with their trusted fitness.

    Args: as :func:`text_gate`.

    Raises:
        ValueError: A solution fails the task's checker, so there is no competence to compare with.
    """
    chosen = tuple(examples if examples is not None else task.train[:DEFAULT_GATE_EXAMPLES])
    written: list[tuple[TextProbeName | None, list[str]]] = [(None, [example.solution for example in chosen])]
    written += [(probe, probe_completions(task, chosen, probe, seed)) for probe in probes]
    batches = [
        TextGateBatch(probe=probe, completions=texts, fitness=statistics.fmean(task.fitnesses(texts, chosen)))
        for probe, texts in written
    ]
    if batches[0].fitness < 1.0:
        raise ValueError(f"task '{task.name}': a solution fails its own checker; fix the task before gating rewards")
    return TextGatePlan(examples=chosen, batches=batches)


def judge_text_gate(plan: TextGatePlan, rewards: Sequence[Sequence[float]]) -> TextGateResult:
    """The verdict on a reward that paid ``rewards[i]`` to ``plan.batches[i]``.

    Raises:
        ValueError: ``rewards`` does not hold one list per batch.
    """
    if len(rewards) != len(plan.batches):
        raise ValueError(f"{len(rewards)} reward lists for {len(plan.batches)} gate batches")
    correct, *probed = zip(plan.batches, rewards, strict=True)
    correct_fitness = correct[0].fitness
    correct_median = statistics.median(correct[1])
    scores = []
    for batch, paid in probed:
        assert batch.probe is not None
        median = statistics.median(paid)
        counts = batch.fitness < correct_fitness
        scores.append(
            TextProbeScore(
                probe=batch.probe,
                fitness=batch.fitness,
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


def text_gate(
    task: TextTask,
    reward: TextRewardFn,
    *,
    examples: Sequence[TextExample] | None = None,
    probes: Sequence[TextProbeName] = TEXT_PROBES,
    seed: int = 0,
) -> TextGateResult:
    """Score the correct completions and every probe with ``reward`` in this process, and judge it.

    Use it for rewards that run no code of their own (a rubric); verifier code goes through
    :func:`rewardsmith.sandbox.text_gate.text_gate_in_sandbox`, which judges the same batches.

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
    plan = plan_text_gate(task, examples, probes, seed)
    chosen = plan.examples
    answers, columns = [example.answer for example in chosen], task.columns(chosen)
    prompts = [example.prompt for example in chosen]
    return judge_text_gate(
        plan, [reward(prompts, batch.completions, answers, columns).rewards for batch in plan.batches]
    )


def _reason(winner: TextProbeScore | None, correct_median: float) -> str:
    if winner is None:
        return f"no probe was paid as much as the median correct completion ({correct_median:.3g})"
    meaning = TEXT_PROBE_MEANINGS[winner.probe]
    return (
        f"probe '{winner.probe}' ({meaning.behaviour}; fitness {winner.fitness:.2f}) was paid a median "
        f"{winner.median_reward:.3g}, at least the median correct completion's {correct_median:.3g}: the reward "
        f"pays for {meaning.pays_for}"
    )
