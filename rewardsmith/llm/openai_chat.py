"""Chat through the openai SDK: OpenAI itself, or any server that speaks its API at ``base_url``."""

from __future__ import annotations

import email.utils
import math
import socket
import threading
import time
import urllib.parse
from typing import Any

import openai

from rewardsmith.llm.base import ChatRequest, ChatResponse, LLMCallError, LLMUnavailableError
from rewardsmith.llm.retry import RetryPolicy, call_with_retries

# A key for servers that check none; the SDK refuses to start without one.
NO_KEY = "not-needed"


class _Answer:
    """What one HTTP attempt brought back, before it becomes a ChatResponse."""

    def __init__(self) -> None:
        self.texts: dict[int, list[str]] = {}
        self.finish: dict[int, str | None] = {}
        self.prompt_tokens: int | None = None
        self.completion_tokens: int | None = None
        self.model: str | None = None

    def ordered(self) -> tuple[list[str], list[str | None]]:
        indices = sorted(self.texts)
        return ["".join(self.texts[i]) for i in indices], [self.finish.get(i) for i in indices]


class OpenAIChat:
    """One model behind the openai SDK. Thread-safe: the SDK client is, and the rest is read-only
    but for the structured-output fallback flag."""

    def __init__(
        self,
        model: str,
        *,
        name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        structured_output: bool = True,
        schema_fallback: bool = False,
        retry: RetryPolicy | None = None,
        timeout_s: float = 300.0,
        connect_timeout_s: float = 10.0,
    ) -> None:
        """
        Args:
            name: The ``--llm`` form, e.g. 'openai:gpt-4o-mini'; the price table keys on it.
            structured_output: Send a request's JSON schema as ``response_format``.
            schema_fallback: On a 400 to a request that carried a schema, send it once more without
                one and stop sending schemas: many compatible servers reject the field.
        """
        self.model = model
        self._name = name
        self._base_url = base_url
        self._connect_timeout_s = min(connect_timeout_s, timeout_s)
        self._structured = structured_output
        self._schema_fallback = schema_fallback
        self._lock = threading.Lock()
        self.retry = retry or RetryPolicy()
        # The SDK's own retries stay off: ours (retry.py) are the only ones, so they never multiply.
        self._client = openai.OpenAI(
            api_key=api_key or NO_KEY,
            base_url=base_url,
            max_retries=0,
            # openai's own Timeout: the HTTP library under the SDK has changed before, and its types with it.
            timeout=openai.Timeout(timeout_s, connect=min(connect_timeout_s, timeout_s)),
        )

    @property
    def name(self) -> str:
        return self._name

    @property
    def supports_structured_output(self) -> bool:
        return self._structured

    def load(self) -> None:
        """Reach the server: a TCP connection to a compatible server's host and port. OpenAI's own API
        is not probed (it may be far); a wrong key shows on the first call.

        Raises:
            LLMUnavailableError: The server does not accept connections.
        """
        if self._base_url is None:
            return
        url = urllib.parse.urlsplit(self._base_url)
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            socket.create_connection((url.hostname or "", port), timeout=self._connect_timeout_s).close()
        except OSError as error:
            raise LLMUnavailableError(
                f"--llm {self._name}: nothing answers at {url.hostname}:{port} ({error.strerror or error}); "
                "start the server or fix the URL"
            ) from None

    def complete(self, request: ChatRequest) -> ChatResponse:
        start = time.monotonic()
        answers: list[_Answer] = []
        attempts = 0
        structured = False
        # Some servers (Ollama, llama.cpp) ignore n and send one choice: ask again for the rest.
        while sum(len(a.texts) for a in answers) < request.n and len(answers) < request.n:
            missing = request.n - sum(len(a.texts) for a in answers)
            answer, tries, structured = self._complete_once(request, missing)
            attempts += tries
            answers.append(answer)
            if not answer.texts:
                break
        return self._response(request, answers, attempts, structured, time.monotonic() - start)

    def _complete_once(self, request: ChatRequest, n: int) -> tuple[_Answer, int, bool]:
        structured = self.supports_structured_output and request.json_schema is not None
        try:
            answer, tries = call_with_retries(lambda: self._attempt(request, n, structured), self.retry)
        except LLMCallError as error:
            if not (structured and self._schema_fallback and error.status == 400):
                raise
            with self._lock:
                self._structured = False
            structured = False
            answer, more = call_with_retries(lambda: self._attempt(request, n, False), self.retry)
            tries = error.attempts + more
        return answer, tries, structured

    def _attempt(self, request: ChatRequest, n: int, structured: bool) -> _Answer:
        arguments = self._arguments(request, n, structured)
        try:
            if request.stream:
                return self._read_stream(self._client.chat.completions.create(**arguments, stream=True))
            return self._read_completion(self._client.chat.completions.create(**arguments))
        except Exception as error:
            raise _call_error(error) from error

    def _arguments(self, request: ChatRequest, n: int, structured: bool) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": self.model,
            "messages": [message.model_dump() for message in request.messages],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        # Optional fields are sent only when set: strict servers reject what they do not know.
        if n != 1:
            arguments["n"] = n
        if request.stop:
            arguments["stop"] = request.stop
        if request.seed is not None:
            arguments["seed"] = request.seed
        if request.stream:
            arguments["stream_options"] = {"include_usage": True}
        if structured and request.json_schema is not None:
            arguments["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": request.schema_name,
                    "schema": request.json_schema,
                    "strict": request.strict_schema,
                },
            }
        return arguments

    def _read_completion(self, completion: Any) -> _Answer:
        answer = _Answer()
        choices = getattr(completion, "choices", None)
        if not isinstance(choices, list):
            raise LLMCallError("bad_response", "the server's answer is not a chat completion")
        for position, choice in enumerate(choices):
            message = getattr(choice, "message", None)
            index = choice.index if isinstance(getattr(choice, "index", None), int) else position
            answer.texts[index] = [getattr(message, "content", None) or ""]
            answer.finish[index] = getattr(choice, "finish_reason", None)
        _read_usage(answer, getattr(completion, "usage", None))
        answer.model = getattr(completion, "model", None)
        return answer

    def _read_stream(self, stream: Any) -> _Answer:
        answer = _Answer()
        with stream:
            for chunk in stream:
                answer.model = answer.model or getattr(chunk, "model", None)
                for choice in getattr(chunk, "choices", None) or []:
                    content = getattr(choice.delta, "content", None) if choice.delta else None
                    answer.texts.setdefault(choice.index, []).append(content or "")
                    if choice.finish_reason is not None:
                        answer.finish[choice.index] = choice.finish_reason
                _read_usage(answer, getattr(chunk, "usage", None))
        return answer

    def _response(
        self, request: ChatRequest, answers: list[_Answer], attempts: int, structured: bool, latency_s: float
    ) -> ChatResponse:
        texts: list[str] = []
        finish: list[str | None] = []
        for answer in answers:
            more_texts, more_finish = answer.ordered()
            texts += more_texts
            finish += more_finish
        if not any(text.strip() for text in texts):
            raise LLMCallError(
                "bad_response",
                "the server sent no choices" if not texts else "the server's answer is empty",
                attempts=attempts,
            )
        estimated = any(a.prompt_tokens is None or a.completion_tokens is None for a in answers)
        prompt_estimate = _estimate_tokens("".join(m.content for m in request.messages))
        prompt = sum(a.prompt_tokens if a.prompt_tokens is not None else prompt_estimate for a in answers)
        completion = sum(
            a.completion_tokens
            if a.completion_tokens is not None
            else sum(_estimate_tokens("".join(t)) for t in a.texts.values())
            for a in answers
        )
        return ChatResponse(
            texts=texts[: request.n],
            finish_reasons=finish[: request.n],
            prompt_tokens=prompt,
            completion_tokens=completion,
            tokens_estimated=estimated,
            latency_s=latency_s,
            model=answers[0].model or self.model,
            structured=structured,
            attempts=max(attempts, 1),
        )


def _read_usage(answer: _Answer, usage: Any) -> None:
    prompt = getattr(usage, "prompt_tokens", None)
    completion = getattr(usage, "completion_tokens", None)
    if isinstance(prompt, int) and isinstance(completion, int):
        answer.prompt_tokens, answer.completion_tokens = prompt, completion


def _estimate_tokens(text: str) -> int:
    # About four characters a token in English and code; only used where the server reports no usage.
    return math.ceil(len(text) / 4)


def _call_error(error: Exception) -> LLMCallError:
    """Map whatever one attempt raised to a typed error the retry layer can judge."""
    if isinstance(error, LLMCallError):
        return error
    # The SDK wraps its HTTP library's timeouts and transport errors in these two.
    if isinstance(error, openai.APITimeoutError):
        return LLMCallError("timeout", "the server did not answer in time")
    if isinstance(error, openai.APIConnectionError):
        return LLMCallError("connection", f"cannot reach the server: {_one_line(error)}")
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        message = f"HTTP {status}: {_one_line(error)}"
        if status == 429:
            return LLMCallError("rate_limited", message, status=status, retry_after_s=_retry_after(error))
        if status >= 500:
            return LLMCallError("server_error", message, status=status, retry_after_s=_retry_after(error))
        if status == 408:
            return LLMCallError("timeout", message, status=status)
        return LLMCallError("rejected", message, status=status)
    if isinstance(error, openai.APIResponseValidationError | ValueError):
        # The SDK lets undecodable bodies through as decoding errors, and odd JSON as odd objects.
        return LLMCallError("bad_response", f"the server's answer cannot be read: {_one_line(error)}")
    raise error


def _retry_after(error: openai.APIStatusError) -> float | None:
    """Seconds the server asks us to wait, from Retry-After-Ms, Retry-After seconds or an HTTP date."""
    headers = error.response.headers
    try:
        if "retry-after-ms" in headers:
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300]
