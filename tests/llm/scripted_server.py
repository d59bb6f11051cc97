"""A scripted OpenAI-compatible chat server on 127.0.0.1 for offline tests through the real SDK.

Each test queues the replies it wants, in order; each request to ``/v1/chat/completions`` takes the
next one. Every request body is kept, so a test can assert what was sent and how many times::

    with ScriptedServer() as server:
        server.play(Reply.http_status(429, retry_after=0.01), Reply.answer("hello"))
        ...  # call a client with base_url=server.url
        assert len(server.requests) == 2

A request that finds the queue empty gets a 500 whose message says so, and the test that caused it
fails on its own assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted reply. Build it with the class methods."""

    texts: tuple[str, ...] = ()
    status: int = 200
    retry_after: float | None = None
    raw_body: bytes | None = None
    empty_choices: bool = False
    delay_s: float = 0.0
    finish_reason: str = "stop"
    prompt_tokens: int = 11
    completion_tokens: int | None = None
    usage: bool = True
    model: str | None = None
    n_choices: int | None = None

    @classmethod
    def answer(cls, *texts: str, **options: Any) -> Reply:
        """A good answer; with several texts, choice i gets texts[i % len(texts)]. ``n_choices`` sends that
        many choices whatever ``n`` asked, as servers that ignore ``n`` do."""
        return cls(texts=texts or ("ok",), **options)

    @classmethod
    def http_status(cls, status: int, *, retry_after: float | None = None, delay_s: float = 0.0) -> Reply:
        return cls(status=status, retry_after=retry_after, delay_s=delay_s)

    @classmethod
    def garbage(cls, body: bytes = b"\x00\xffnot json at all{{") -> Reply:
        return cls(raw_body=body)

    @classmethod
    def empty(cls) -> Reply:
        """A well-formed completion with no choices."""
        return cls(empty_choices=True)

    @classmethod
    def slow(cls, delay_s: float, *texts: str) -> Reply:
        return cls(texts=texts or ("late",), delay_s=delay_s)


@dataclass
class _State:
    replies: deque[Reply] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class ScriptedServer:
    """The server; use it as a context manager (it listens from ``__enter__`` to ``__exit__``)."""

    def __init__(self) -> None:
        self._state = _State()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self._state))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="scripted-llm", daemon=True
        )

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL a client takes, ending in /v1."""
        return f"http://127.0.0.1:{self.port}/v1"

    def play(self, *replies: Reply) -> None:
        with self._state.lock:
            self._state.replies.extend(replies)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The JSON bodies received so far, in order."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def request_headers(self) -> list[dict[str, str]]:
        """The headers of each request, names in lower case."""
        with self._state.lock:
            return list(self._state.headers)

    @property
    def pending(self) -> int:
        """Replies not yet played."""
        with self._state.lock:
            return len(self._state.replies)


def _completion(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    n = reply.n_choices if reply.n_choices is not None else int(body.get("n") or 1)
    texts = [reply.texts[i % len(reply.texts)] for i in range(n)] if not reply.empty_choices else []
    choices = [
        {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": reply.finish_reason}
        for i, text in enumerate(texts)
    ]
    completion: dict[str, Any] = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": reply.model or body.get("model", "scripted"),
        "choices": choices,
    }
    if reply.usage:
        completion["usage"] = _usage(reply, texts)
    return completion


def _usage(reply: Reply, texts: list[str]) -> dict[str, int]:
    completion_tokens = (
        reply.completion_tokens if reply.completion_tokens is not None else sum(len(t.split()) for t in texts)
    )
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": reply.prompt_tokens + completion_tokens,
    }


def _sse_events(reply: Reply, body: dict[str, Any]) -> list[dict[str, Any]]:
    completion = _completion(reply, body)
    base = {key: completion[key] for key in ("id", "created", "model")} | {"object": "chat.completion.chunk"}
    events: list[dict[str, Any]] = []
    for choice in completion["choices"]:
        text = choice["message"]["content"]
        # Two deltas per choice, so the client must join pieces to get the text back.
        middle = len(text) // 2
        for piece in (text[:middle], text[middle:]):
            delta = {"index": choice["index"], "delta": {"role": "assistant", "content": piece}, "finish_reason": None}
            events.append(base | {"choices": [delta]})
        finish = {"index": choice["index"], "delta": {}, "finish_reason": choice["finish_reason"]}
        events.append(base | {"choices": [finish]})
    if (body.get("stream_options") or {}).get("include_usage") and "usage" in completion:
        events.append(base | {"choices": [], "usage": completion["usage"]})
    return events


def _handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"_unparsed": raw.decode("utf-8", "replace")}
            with state.lock:
                state.requests.append(body)
                state.headers.append({key.lower(): value for key, value in self.headers.items()})
                reply = state.replies.popleft() if state.replies else None
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, _error("not found: " + self.path))
            elif reply is None:
                self._send(500, _error("scripted server: no reply left in the script"))
            else:
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                self._play(reply, body)

        def _play(self, reply: Reply, body: dict[str, Any]) -> None:
            if reply.status != 200:
                headers = {"Retry-After": f"{reply.retry_after:g}"} if reply.retry_after is not None else {}
                self._send(reply.status, _error(f"scripted status {reply.status}"), headers)
            elif reply.raw_body is not None:
                self._send(200, reply.raw_body, content_type="application/json")
            elif body.get("stream"):
                events = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in _sse_events(reply, body))
                self._send(200, events + b"data: [DONE]\n\n", content_type="text/event-stream")
            else:
                self._send(200, json.dumps(_completion(reply, body)).encode())

        def _send(
            self,
            status: int,
            payload: bytes,
            headers: dict[str, str] | None = None,
            content_type: str = "application/json",
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first (a timeout test); nothing to answer

    return Handler


def _error(message: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "scripted", "code": None}}).encode()
