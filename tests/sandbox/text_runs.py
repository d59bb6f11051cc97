"""The tiny GRPO job the sandbox and CLI tests run, and what its result must hold."""

from __future__ import annotations

import math

from rewardsmith.sandbox import SandboxLimits, SandboxResult, TextTrainOutput
from rewardsmith.text.training import TEXT_TRAIN_MEMORY_MB, TextTaskRef, TextTrainConfig

#: Two training prompts, one step of two completions of 8 tokens, two held-out prompts: as small as GRPO allows.
TASK = TextTaskRef(name="formatting", train_size=2, held_out_size=2)
TINY = TextTrainConfig(steps=1, batch_size=2, generations=2, max_completion_tokens=8, eval_every=1, held_out=2)
TRAIN_LIMITS = SandboxLimits(wall_time_s=300, memory_mb=TEXT_TRAIN_MEMORY_MB, threads=2)


def check_tiny_run(result: SandboxResult) -> TextTrainOutput:
    """Assert that ``result`` is a successful tiny run with a complete learning curve; return its output."""
    assert result.ok, (result.failure, result.log_tail[-2000:])
    output = result.output_of(TextTrainOutput)
    assert output is not None
    # The reference reward pays each solution in full before training starts.
    assert output.verify.rewards == [1.1, 1.1]
    training = output.training
    assert [point.step for point in training.curve] == [0, 1]
    untrained, trained = training.curve
    # Step 0 is the untrained policy on the held-out prompts: greedy completions scored, no training reward yet.
    assert untrained.train_reward is None and untrained.train is None
    assert untrained.held_out.count == 2 and len(untrained.samples) == 2
    assert 0 <= untrained.held_out_fitness <= 1
    assert untrained.held_out.mean_tokens is not None and 0 < untrained.held_out.mean_tokens <= 8
    assert untrained.held_out.format_without_correct is not None  # the formatting task defines its form
    # Step 1 saw one batch of two sampled completions; the reward's components are reported by name.
    assert trained.train is not None and trained.train.count == 2
    assert set(trained.train_components) == {"correct", "format"}
    assert trained.train_reward is not None and math.isfinite(trained.train_reward)
    assert [record.step for record in training.steps] == [1]
    assert training.model.startswith("SmolLM2-135M")
    assert training.task == TASK and training.config == TINY
    return output
