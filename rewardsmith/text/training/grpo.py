"""GRPO on a text task through TRL's ``GRPOTrainer``, with a loaded text reward, on the CPU.

The reward is the task's training-split reward (verifier code in the text contract); the trusted checker
never enters training and scores only the held-out split's greedy completions at each evaluation point.
transformers, TRL and datasets are imported inside :func:`train_text`, so importing this module is cheap.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewardsmith.rewards.errors import RewardContractError
from rewardsmith.text.artefact import RubricReward
from rewardsmith.text.contract import TextReward, TextRewardOutput
from rewardsmith.text.judge import JudgeRecord
from rewardsmith.text.task import TextExample, TextTask
from rewardsmith.text.training.config import TextTaskRef, TextTrainConfig
from rewardsmith.text.training.policy import POLICY_NAME, chat_prompt, greedy_completions, load_policy
from rewardsmith.text.training.result import EvalPoint, JudgedCompletion, StepRecord, TextTrainingResult
from rewardsmith.text.training.stats import completion_stats
from rewardsmith.text.verify import score_text

ProgressFn = Callable[[int, int], None]
#: Held-out completions kept in each evaluation point, for a reader to look at.
SAMPLES_KEPT = 4


class _Batch:
    """One step's sampled completions and what the reward said of them."""

    def __init__(self, examples: list[TextExample], texts: list[str], tokens: list[int], output: TextRewardOutput):
        self.examples = examples
        self.texts = texts
        self.tokens = tokens
        self.output = output


class RewardRecorder:
    """The reward TRL calls, recording each step's batch; and the evaluations, at the steps asked."""

    def __init__(self, task: TextTask, reward: TextReward | RubricReward, config: TextTrainConfig) -> None:
        self.task = task
        self.reward = reward
        self.config = config
        self.batches: list[_Batch] = []
        self.curve: list[EvalPoint] = []
        self.steps: list[StepRecord] = []
        self.started = time.monotonic()
        self.held_out = task.held_out[: config.held_out]

    def score(self, completions: list[Any], completion_ids: list[Any], **columns: Any) -> list[float]:
        """The reward of a step's completions of the training prompts at ``columns["index"]``, recorded.

        Raises:
            RewardContractError: The reward broke the contract; the message names the training step.
        """
        examples = [self.task.train[i] for i in columns["index"]]
        texts = [_text(completion) for completion in completions]
        step = len(self.steps) + 1
        try:
            output = score_text(self.task, self.reward, examples, texts)
        except RewardContractError as error:
            raise type(error)(f"{error.message}\nIt happened at training step {step}.") from None
        batch = _Batch(examples, texts, [len(ids) for ids in completion_ids], output)
        self.batches.append(batch)
        rewards = output.rewards
        self.steps.append(
            StepRecord(
                step=step,
                reward=statistics.fmean(rewards),
                components={name: statistics.fmean(values) for name, values in output.components.items()},
                mean_chars=statistics.fmean(map(len, texts)),
                reward_std=statistics.pstdev(rewards),
            )
        )
        return rewards

    def evaluate(self, model: Any, tokenizer: Any, step: int) -> None:
        config, task = self.config, self.task
        texts, tokens = greedy_completions(
            model, tokenizer, [e.prompt for e in self.held_out], config.eval_tokens or config.max_completion_tokens
        )
        examples = list(self.held_out)
        judge = self.reward.judge
        if judge is not None:
            judge.take_records()  # the training batches' verdicts; the held-out ones are read below
        scored = score_text(task, self.reward, examples, texts)
        fitnesses = task.fitnesses(texts, examples)
        since = self.batches
        self.batches = []
        train = None
        components: dict[str, float] = {}
        train_reward = None
        if since:
            all_examples = [e for b in since for e in b.examples]
            all_texts = [t for b in since for t in b.texts]
            train = completion_stats(
                task, all_texts, all_examples, ngram=config.ngram, tokens=[n for b in since for n in b.tokens]
            )
            train_reward = statistics.fmean(r for b in since for r in b.output.rewards)
            names = since[0].output.components
            components = {name: statistics.fmean(v for b in since for v in b.output.components[name]) for name in names}
        self.curve.append(
            EvalPoint(
                step=step,
                wall_time_s=time.monotonic() - self.started,
                held_out_fitness=statistics.fmean(fitnesses),
                held_out_reward=statistics.fmean(scored.rewards),
                held_out=completion_stats(task, texts, examples, ngram=config.ngram, tokens=tokens),
                train_reward=train_reward,
                train_components=components,
                train=train,
                samples=texts[:SAMPLES_KEPT],
                judged=judged_completions(judge.take_records(), examples, texts, fitnesses) if judge else [],
            )
        )


def judged_completions(
    records: list[JudgeRecord], examples: list[TextExample], texts: list[str], fitnesses: list[float]
) -> list[JudgedCompletion]:
    """Each verdict the judge gave on one of ``texts`` (the completion of the example at the same position),
    beside the checker's fitness of it; verdicts on anything else are left out."""
    position = {(example.prompt, text): i for i, (example, text) in enumerate(zip(examples, texts, strict=True))}
    judged = []
    for record in records:
        index = position.get((record.prompt, record.answer))
        if index is not None:
            fitness = fitnesses[index]
            judged.append(JudgedCompletion(criterion=record.question, judge_score=record.score, fitness=fitness))
    return judged


def _text(completion: Any) -> str:
    # Conversational prompts give each completion as a list of messages; the last is the policy's.
    if isinstance(completion, list):
        return str(completion[-1]["content"]) if completion else ""
    return str(completion)


def train_text(
    task_ref: TextTaskRef,
    reward: TextReward | RubricReward,
    config: TextTrainConfig,
    *,
    out_dir: Path,
    progress: ProgressFn | None = None,
    policy: tuple[Any, Any] | None = None,
) -> TextTrainingResult:
    """Train the embedded model with GRPO on ``task_ref``'s training split, rewarded by ``reward``.

    Args:
        task_ref: The task, generated here from its name and seed.
        reward: The loaded text reward, verifier code or a rubric; a contract breach it makes ends training with
            its typed error. A rubric's judge criteria are judged on each evaluation's held-out completions too.
        config: The run's settings.
        out_dir: TRL's output directory (nothing is saved there unless TRL logs).
        progress: Called with (steps done, steps planned) after each step.
        policy: A loaded (model, tokenizer) to train instead of loading the embedded one (tests share one).

    Returns:
        The learning curve: step 0 (the untrained policy), every ``eval_every`` steps, and the last step.

    Raises:
        RewardContractError: The reward raised or broke the contract on a training or held-out batch.
        ValueError: The config's sizes do not fit together.
    """
    import datasets
    import transformers
    import trl

    config = config.checked()
    task = task_ref.load()
    loading = time.monotonic()
    model, tokenizer = policy if policy is not None else load_policy()
    load_time_s = time.monotonic() - loading
    recorder = RewardRecorder(task, reward, config)
    evaluated = set(config.eval_steps())

    # TRL passes the batch's prompts, completions, token ids and dataset columns; the rows' indices give the prompts.
    def reward_func(prompts: list[Any], completions: list[Any], completion_ids: list[Any], **kw: Any) -> list[float]:
        return recorder.score(completions, completion_ids, **kw)

    class _Evaluate(transformers.TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if state.global_step in evaluated:
                recorder.evaluate(kwargs["model"], tokenizer, state.global_step)
            if progress is not None:
                progress(state.global_step, config.steps)

    rows = [{"prompt": chat_prompt(e.prompt), "index": i} for i, e in enumerate(task.train)]
    trainer = trl.GRPOTrainer(
        model=model,
        reward_funcs=[reward_func],
        args=trl.GRPOConfig(
            output_dir=str(out_dir / "grpo"),
            per_device_train_batch_size=config.batch_size,
            num_generations=config.generations,
            max_completion_length=config.max_completion_tokens,
            learning_rate=config.learning_rate,
            temperature=config.temperature,
            beta=config.beta,
            max_steps=config.steps,
            seed=config.seed,
            use_cpu=True,
            report_to=[],
            save_strategy="no",
            logging_strategy="no",
            # TRL turns it on by default; it also turns off the KV cache in generation, which then recomputes
            # the whole prompt for every token (several times slower on a CPU, for memory a 135M model does not need).
            gradient_checkpointing=False,
            disable_tqdm=True,
        ),
        train_dataset=datasets.Dataset.from_list(rows),
        processing_class=tokenizer,
        callbacks=[_Evaluate()],
    )
    recorder.started = time.monotonic()
    recorder.evaluate(model, tokenizer, 0)
    trainer.train()
    return TextTrainingResult(
        task=task_ref,
        config=config,
        model=POLICY_NAME,
        reward_sha256=reward.sha256,
        curve=recorder.curve,
        steps=recorder.steps,
        load_time_s=load_time_s,
        wall_time_s=time.monotonic() - recorder.started,
    )
