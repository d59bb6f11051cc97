"""final_eval: retrain the best reward, the reference and the sparse reward on the same seeds."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rewardsmith.loop.results import FinalEvaluation, RewardScores
from rewardsmith.sandbox import SandboxResult

if TYPE_CHECKING:
    from rewardsmith.config import DesignConfig
    from rewardsmith.loop.context import LoopContext
    from rewardsmith.loop.families.base import TaskFacts, Trained

FINAL_SEED_BASE = 10_000
"""Final seeds differ from the loop's seed, so the best candidate is not scored on the seed it was picked on."""


def final_seeds(config: DesignConfig, best_id: str | None) -> list[int]:
    """The seeds the final evaluation trains each reward on; none without a trained candidate, since
    the reference and sparse rewards are there only to compare it with."""
    count = config.final_seeds if best_id is not None else 0
    return [FINAL_SEED_BASE + config.seed * 100 + i for i in range(count)]


def final_training_count(config: DesignConfig, task: TaskFacts, best_id: str | None) -> int:
    """Trainings the final evaluation runs: the best, reference (where there is one) and sparse rewards on each seed."""
    rewards = 3 if task.has_reference else 2
    return rewards * len(final_seeds(config, best_id))


def run_final_evaluation(ctx: LoopContext, best_id: str | None) -> FinalEvaluation:
    """Train every (reward, seed) pair through the sandbox, reusing results already on disk."""
    config, record, family = ctx.config, ctx.record, ctx.family
    facts = family.facts
    seeds = final_seeds(config, best_id)
    codes = {"sparse": facts.sparse_reward_code}
    if facts.reference_reward_code is not None:
        codes["reference"] = facts.reference_reward_code
    if best_id is not None:
        codes["best"] = record.candidate(best_id).code
    # With no seeds nothing is retrained: the scores below come out empty and the score None.
    runs = [f"{label}-seed{seed}" for label in codes for seed in seeds]

    def run(name: str) -> object:
        if record.final_run(name) is not None:
            return None
        label, seed_text = name.split("-seed")
        record.event("final_train_started", run=name)
        result = family.final_train(ctx, name, int(seed_text), codes[label])
        record.write_final_run(name, result)
        record.event("final_train_finished", run=name, ok=result.ok)
        ctx.reporter.candidate_done(name, "final", "ok" if result.ok else "failed")
        return None

    ctx.parallel(run, runs)

    def scores(label: str) -> RewardScores:
        return reward_scores(label, [(seed, record.final_run(f"{label}-seed{seed}")) for seed in seeds], family.trained)

    best = scores("best") if "best" in codes else None
    reference = scores("reference") if "reference" in codes else None
    sparse = scores("sparse")
    steps = family.final_steps(ctx)
    evaluation = FinalEvaluation(
        best_id=best_id, seeds=seeds, steps=steps, best=best, reference=reference, sparse=sparse, normalized_score=None
    )
    return evaluation.model_copy(update={"normalized_score": evaluation.normalize(best.mean if best else None)})


def reward_scores(
    label: str,
    results: Sequence[tuple[int, SandboxResult | None]],
    trained_by: Callable[[SandboxResult], Trained | None],
) -> RewardScores:
    """One reward's fitness over the seeds it was trained on: ``(seed, result)`` pairs, None where none ran;
    ``trained_by`` reads a result's training (the task family's ``trained``)."""
    fitness, failures = [], []
    for seed, result in results:
        trained = trained_by(result) if result is not None else None
        if result is not None and result.ok and trained is not None:
            fitness.append(trained.fitness)
        else:
            kind = result.failure.kind if result is not None and result.failure else "no result"
            failures.append(f"seed {seed}: {kind}")
    return RewardScores(
        label=label,
        fitness=fitness,
        failures=failures,
        mean=statistics.mean(fitness) if fitness else None,
        std=statistics.pstdev(fitness) if fitness else None,
    )
