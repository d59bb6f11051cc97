"""Chat with a vLLM engine inside this process, on a CUDA GPU worker.

vllm is imported only when the engine starts, so nothing else needs it installed. To share one
vLLM server between runs instead, use the ``openai-compatible`` provider.
"""

from __future__ import annotations

import importlib
import threading
import time
from typing import Any

from rewardsmith.llm.base import ChatRequest, ChatResponse, LLMUnavailableError

VLLM_INSTALL = "pip install vllm (on a machine with a CUDA GPU)"


def _import_vllm() -> Any:
    try:
        return importlib.import_module("vllm")
    except ImportError:
        raise LLMUnavailableError(
            f"the vllm provider needs vllm, which is not installed: {VLLM_INSTALL}, or serve the model "
            "with `vllm serve MODEL` and use --llm openai-compatible:MODEL@http://HOST:8000/v1"
        ) from None


def _require_cuda() -> None:
    import torch

    if not torch.cuda.is_available():
        raise LLMUnavailableError(
            "the vllm provider needs a CUDA GPU and none is visible here; use --llm local or hf:PATH on a CPU"
        )


class VLLMChat:
    """One vLLM engine for one model, started on the first call (or by ``load``)."""

    def __init__(self, model: str, *, name: str, engine_options: dict[str, Any] | None = None) -> None:
        self.model = model
        self._name = name
        self.engine_options = dict(engine_options or {})
        self._engine: Any = None
        self._vllm: Any = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    @property
    def supports_structured_output(self) -> bool:
        return True

    def load(self) -> None:
        """Start the engine now.

        Raises:
            LLMUnavailableError: vllm or a CUDA GPU is missing.
        """
        with self._lock:
            if self._engine is None:
                vllm = _import_vllm()
                _require_cuda()
                self._vllm = vllm
                self._engine = vllm.LLM(model=self.model, **self.engine_options)

    def complete(self, request: ChatRequest) -> ChatResponse:
        self.load()
        start = time.monotonic()
        params = self._vllm.SamplingParams(
            n=request.n,
            temperature=request.temperature,
            max_tokens=request.max_tokens,
            stop=request.stop or None,
            seed=request.seed,
            **self._structured(request),
        )
        messages = [message.model_dump() for message in request.messages]
        # The engine batches internally; one call at a time keeps its scheduler the only scheduler.
        with self._lock:
            (output,) = self._engine.chat(messages, params, use_tqdm=False)
        completions = list(output.outputs)
        return ChatResponse(
            texts=[c.text for c in completions],
            finish_reasons=[c.finish_reason for c in completions],
            prompt_tokens=len(output.prompt_token_ids or []),
            completion_tokens=sum(len(c.token_ids) for c in completions),
            latency_s=time.monotonic() - start,
            model=self.model,
            structured=request.json_schema is not None,
        )

    def _structured(self, request: ChatRequest) -> dict[str, Any]:
        if request.json_schema is None:
            return {}
        sampling = importlib.import_module("vllm.sampling_params")
        # The option was renamed across vLLM releases; take whichever this one has.
        if hasattr(sampling, "StructuredOutputsParams"):
            return {"structured_outputs": sampling.StructuredOutputsParams(json=request.json_schema)}
        return {"guided_decoding": sampling.GuidedDecodingParams(json=request.json_schema)}
