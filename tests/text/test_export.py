"""Exported text rewards: each trainer's entry point scores a set of completions exactly as rewardsmith does.

TRL is installed, so its file is loaded into a real ``GRPOTrainer`` and scored by TRL's own reward step.
verl, OpenRLHF and verifiers are not installed here (the README says why); their files are loaded as
those trainers load them, a module from a path, and called with the arguments their documentation gives.
verifiers.v1 calls a reward hook as ``verifiers.v1.utils.decorators.invoke`` does: the hook's parameters
picked by name from ``{"task": <the task's data>, "trace": <the rollout>}``, the result awaited; the task's
data and the trace here carry the attributes of verifiers' own that the hook reads.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from rewardsmith.gate.exploits import TEXT_PROBES
from rewardsmith.text import load_text_task, text_task_names
from rewardsmith.text.contract import load_text_reward
from rewardsmith.text.export import ExportError, dataset_rows, export_rubric, export_text_reward, openrlhf_labels
from rewardsmith.text.probes import probe_completions
from rewardsmith.text.rubric import TextRubric
from rewardsmith.text.task import TextTask

SIZE = 4


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _batch(task: TextTask) -> tuple[list[int], list[str]]:
    """Example indices and completions: each example's solution and every probe's completion of it."""
    indices, completions = [], []
    for probe in ("solution", *TEXT_PROBES):
        texts = (
            [e.solution for e in task.train] if probe == "solution" else probe_completions(task, task.train, probe, 0)
        )
        indices += range(len(task.train))
        completions += texts
    return indices, completions


@dataclass(frozen=True)
class V1Data:
    """verifiers.v1's TaskData as a row's data: its prompt, and the row's answer and info as extra fields."""

    prompt: str
    answer: str | None
    info: dict[str, Any]

    @property
    def prompt_text(self) -> str:
        return self.prompt


@dataclass(frozen=True)
class V1Message:
    content: str


@dataclass(frozen=True)
class V1Trace:
    """verifiers.v1's Trace as a reward hook reads it: the sampled assistant messages, and no root reply."""

    assistant_messages: list[V1Message] = field(default_factory=list)
    root_reply: str | None = None


def v1_score(hook: Callable[..., Any], row: dict[str, Any], completion: str) -> float:
    """What verifiers.v1's Task.score records for ``hook`` on one rollout whose reply is ``completion``."""
    available = {"task": V1Data(row["prompt"], row["answer"], row["info"]), "trace": V1Trace([V1Message(completion)])}
    kwargs = {name: available[name] for name in inspect.signature(hook).parameters if name in available}
    return float(asyncio.run(hook(**kwargs)))


def _expected(task: TextTask, indices: list[int], completions: list[str], tmp_path: Path) -> list[float]:
    assert task.reference_reward_code is not None
    examples = [task.train[i] for i in indices]
    reward = load_text_reward(task.reference_reward_code, tmp_path / "here")
    return reward(
        [e.prompt for e in examples], completions, [e.answer for e in examples], task.columns(examples)
    ).rewards


def _exported(task: TextTask, target: str, tmp_path: Path) -> ModuleType:
    assert task.reference_reward_code is not None
    path = tmp_path / f"{task.name}_{target.replace('-', '_')}.py"
    path.write_text(export_text_reward(task.reference_reward_code, target))  # type: ignore[arg-type]
    return _module(path)


@pytest.mark.parametrize("name", text_task_names())
def test_verl_openrlhf_and_verifiers_files_score_as_rewardsmith(name: str, tmp_path: Path) -> None:
    task = load_text_task(name, train_size=SIZE, held_out_size=2)
    indices, completions = _batch(task)
    expected = _expected(task, indices, completions, tmp_path)
    rows = dataset_rows(task, "train")
    labels = openrlhf_labels(task, "train")

    verl = _exported(task, "verl", tmp_path)
    scores = [
        verl.compute_score("rewardsmith", c, rows[i]["answer"], extra_info=rows[i]["extra_info"])
        for i, c in zip(indices, completions, strict=True)
    ]
    assert scores == expected

    openrlhf = _exported(task, "openrlhf", tmp_path)
    prompts = [rows[i]["prompt"] for i in indices]
    queries = [prompt + completion for prompt, completion in zip(prompts, completions, strict=True)]
    result = openrlhf.reward_func(queries, prompts, [labels[i] for i in indices])
    assert result["rewards"].tolist() == pytest.approx(expected, abs=0, rel=1e-7)
    assert set(result) == {"rewards", "scores", "extra_logs"}

    verifiers = _exported(task, "verifiers", tmp_path)
    assert [v1_score(verifiers.rewardsmith_reward, rows[i], c) for i, c in zip(indices, completions, strict=True)] == (
        expected
    )
    if importlib.util.find_spec("verifiers") is None:
        with pytest.raises(ModuleNotFoundError):
            verifiers.rewardsmith_task(rows[0])

    legacy = _exported(task, "verifiers-legacy", tmp_path)
    chat = [
        legacy.rewardsmith_reward(
            prompt=[{"role": "user", "content": rows[i]["prompt"]}],
            completion=[{"role": "assistant", "content": c}],
            answer=rows[i]["answer"],
            info=rows[i]["info"],
            state={},
            task=name,
        )
        for i, c in zip(indices, completions, strict=True)
    ]
    assert chat == expected
    if importlib.util.find_spec("verifiers") is None:
        with pytest.raises(ModuleNotFoundError):
            legacy.load_rubric()
    elif not hasattr(importlib.import_module("verifiers"), "Rubric"):
        with pytest.raises(ImportError, match="has no Rubric"):
            legacy.load_rubric()
    else:
        assert type(legacy.load_rubric()).__name__ == "Rubric"


def test_the_trl_file_scores_inside_a_real_grpo_trainer(tmp_path: Path) -> None:
    # Imported here, not at the top: TRL takes seconds to import, and only this test needs it. All three are
    # locked, so a missing one fails the test rather than skipping it.
    import datasets
    import torch
    import trl
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    task = load_text_task("formatting", train_size=SIZE, held_out_size=2)
    indices, completions = _batch(task)
    expected = _expected(task, indices, completions, tmp_path)
    # A tiny random policy and a character tokenizer: TRL's reward step is what is under test, not the model.
    vocab = {"<pad>": 0, "<eos>": 1, "<unk>": 2, **{chr(c): i + 3 for i, c in enumerate(range(32, 127))}}
    tokenizer_model = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tokenizer_model.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer_model, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>"
    )
    config = LlamaConfig(
        vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
        num_key_value_heads=2, pad_token_id=0, eos_token_id=1, bos_token_id=1,
    )  # fmt: skip
    rows = dataset_rows(task, "train")
    exported = _exported(task, "trl", tmp_path)
    # A rubric of machine checks, exported beside it: the trainer's second reward function.
    rubric = TextRubric.model_validate({"criteria": [
        {"id": "json", "text": "a JSON object", "weight": 2.0, "check": {"kind": "format", "format": "json"}},
        {"id": "tags", "text": "in tags", "weight": 1.0, "check": {"kind": "format", "format": "tags"}},
        {"id": "short", "text": "short", "weight": 0.5, "check": {"kind": "length", "max_chars": 30}},
    ]})  # fmt: skip
    (tmp_path / "rubric_trl.py").write_text(export_rubric(rubric, "trl"))
    examples = [task.train[i] for i in indices]
    expected_rubric = rubric.score([e.prompt for e in examples], completions, [e.answer for e in examples]).rewards
    trainer = trl.GRPOTrainer(
        model=LlamaForCausalLM(config),
        reward_funcs=[exported.reward_func, _module(tmp_path / "rubric_trl.py").reward_func],
        args=trl.GRPOConfig(
            output_dir=str(tmp_path / "grpo"), per_device_train_batch_size=4, num_generations=4,
            max_completion_length=4, report_to=[], use_cpu=True, max_steps=1,
        ),
        train_dataset=datasets.Dataset.from_list(rows),
        processing_class=tokenizer,
    )  # fmt: skip
    inputs = [rows[i] for i in indices]
    prompts = [row["prompt"] for row in inputs]
    ids = [tokenizer(c)["input_ids"] for c in completions]
    rewards = trainer._calculate_rewards(inputs, prompts, completions, ids)
    assert rewards.shape == (len(completions), 2)
    # TRL keeps rewards as float32.
    assert torch.equal(rewards[:, 0], torch.tensor(expected, dtype=torch.float32))
    assert len(set(expected_rubric)) > 2
    assert torch.equal(rewards[:, 1], torch.tensor(expected_rubric, dtype=torch.float32))


def test_what_cannot_be_exported_is_a_one_line_error() -> None:
    with pytest.raises(ExportError, match="unknown trainer 'ppo'"):
        export_text_reward("def compute_reward(prompts, completions, answers):\n    return [], {}", "ppo")  # type: ignore[arg-type]
    with pytest.raises(ExportError, match="only verifier code exports"):
        export_text_reward("def compute_reward(state):\n    return [], {}", "trl")
    with pytest.raises(ExportError, match="defines reward_func, which the trl adapter defines"):
        export_text_reward(
            "def reward_func():\n    pass\n\ndef compute_reward(prompts, completions, answers):\n    return [], {}",
            "trl",
        )
