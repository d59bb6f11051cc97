"""The policy GRPO trains: the embedded SmolLM2-135M, loaded from its GGUF file as plain float32 weights.

transformers flags a model loaded from GGUF as quantized, and the Trainer refuses to train a quantized
model. The weights are already dequantized on load, so clearing the flags (``is_quantized``, the
quantizer and the config's ``quantization_config``) is all the reload FACTS.md describes needs; no copy
is written to disk, which a sandbox's small ``/tmp`` would not hold.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Sequence
from typing import Any

from rewardsmith.llm.hf_chat import EMBEDDED_FILE, embedded_model_dir

#: The policy's name in results.
POLICY_NAME = f"SmolLM2-135M-Instruct ({EMBEDDED_FILE})"


def load_policy() -> tuple[Any, Any]:
    """The embedded model, trainable, and its tokenizer (padding on the left, for batched generation).

    Raises:
        LLMUnavailableError: The package that ships the model is not installed.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # Everything is on this machine; a sandbox has no network to wait on.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = str(embedded_model_dir())
    # The GGUF reader draws progress bars on stderr; a failed load raises instead.
    with contextlib.redirect_stderr(io.StringIO()):
        tokenizer = AutoTokenizer.from_pretrained(path, gguf_file=EMBEDDED_FILE)
        model = AutoModelForCausalLM.from_pretrained(path, gguf_file=EMBEDDED_FILE, dtype=torch.float32)
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def chat_prompt(text: str) -> list[dict[str, str]]:
    """A task prompt as the one user message of a chat, the form the instruct model was tuned on."""
    return [{"role": "user", "content": text}]


def greedy_completions(
    model: Any, tokenizer: Any, prompts: Sequence[str], max_new_tokens: int, batch: int = 8
) -> tuple[list[str], list[int]]:
    """The greedy completion of each prompt, and its length in tokens (the end token counted)."""
    import torch

    texts: list[str] = []
    lengths: list[int] = []
    ends = {tokenizer.eos_token_id, tokenizer.pad_token_id} - {None}
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(prompts), batch):
            chats = [
                tokenizer.apply_chat_template(chat_prompt(p), add_generation_prompt=True, tokenize=False)
                for p in prompts[start : start + batch]
            ]
            encoded = tokenizer(chats, return_tensors="pt", padding=True, add_special_tokens=False)
            with torch.inference_mode():
                output = model.generate(
                    **encoded,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id,
                )
            for row in output[:, encoded["input_ids"].shape[1] :].tolist():
                length = next((i + 1 for i, token in enumerate(row) if token in ends), len(row))
                lengths.append(length)
                texts.append(tokenizer.decode(row[:length], skip_special_tokens=True))
    finally:
        model.train(was_training)
    return texts, lengths
