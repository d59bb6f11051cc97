"""Learning curves written by hand for the text detectors: what GRPO would report, point by point."""

from __future__ import annotations

from rewardsmith.text.detectors import JudgedCompletion, TextObserved
from rewardsmith.text.training.config import TextTaskRef, TextTrainConfig
from rewardsmith.text.training.result import CompletionStats, EvalPoint, TextTrainingResult

MAX_CHARS = 200


def point(
    step: int,
    fitness: float,
    reward: float,
    chars: float = 40.0,
    repeated: float = 0.0,
    in_form_wrong: float | None = None,
) -> EvalPoint:
    stats = CompletionStats(
        count=16, mean_chars=chars, repeated_ngram_share=repeated, format_without_correct=in_form_wrong
    )
    return EvalPoint(
        step=step, wall_time_s=3.2 * step, held_out_fitness=fitness, held_out_reward=reward, held_out=stats
    )


def observed(*points: EvalPoint, judged: list[JudgedCompletion] | None = None) -> TextObserved:
    """The curve of ``points``, with ``judged`` as the judge's verdicts at its last point."""
    if judged:
        points = (*points[:-1], points[-1].model_copy(update={"judged": judged}))
    result = TextTrainingResult(
        task=TextTaskRef(name="formatting"),
        config=TextTrainConfig(steps=max(p.step for p in points) or 1, eval_every=10),
        model="SmolLM2-135M-Instruct",
        reward_sha256="0" * 64,
        curve=list(points),
        load_time_s=12.0,
        wall_time_s=100.0,
    )
    return TextObserved(result=result, max_chars=MAX_CHARS)
