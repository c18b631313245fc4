"""A scripted Ollama behind ``httpx.MockTransport``, injected into real core clients.

Tests queue answers per path (``fake.answer("/api/chat", {...})`` or ``fake.stream(...)``),
run the LangChain object built on ``fake.client()`` / ``fake.async_client()``, then assert on
the requests that reached the wire (``fake.bodies("/api/chat")``). ``GET /api/ps`` (the core
client's warm-model probe before a stream) is answered with no loaded model and not counted.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from typing import Any

import httpx
import pytest

from shared_ollama import AsyncSharedOllamaClient, RetryPolicy, SharedOllamaClient

FAKE_HOST = "http://ollama.test:11434"


class FakeOllama:
    """Answers queued per path, and every request received."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._answers: dict[str, deque[httpx.Response]] = defaultdict(deque)

    def answer(self, path: str, payload: Any, *, status: int = 200) -> None:
        """Queue one JSON answer for ``path``."""
        self._answers[path].append(httpx.Response(status, json=payload))

    def stream(self, path: str, chunks: list[dict[str, Any]]) -> None:
        """Queue one NDJSON stream for ``path``."""
        body = "".join(json.dumps(chunk) + "\n" for chunk in chunks).encode()
        self._answers[path].append(
            httpx.Response(200, content=body, headers={"content-type": "application/x-ndjson"})
        )

    def handler(self, request: httpx.Request) -> httpx.Response:
        """Serve the next queued answer for the request's path."""
        if request.url.path == "/api/ps":
            return httpx.Response(200, json={"models": []})
        self.requests.append(request)
        queue = self._answers[request.url.path]
        if not queue:
            return httpx.Response(500, json={"error": f"no answer queued for {request.url.path}"})
        return queue.popleft()

    def bodies(self, path: str) -> list[dict[str, Any]]:
        """The JSON bodies of the requests sent to ``path``, in order."""
        return [json.loads(r.content) for r in self.requests if r.url.path == path]

    def client(self) -> SharedOllamaClient:
        """A real sync core client talking to this fake, without retries."""
        return SharedOllamaClient(
            FAKE_HOST, transport=httpx.MockTransport(self.handler), retry=RetryPolicy(attempts=1)
        )

    def async_client(self) -> AsyncSharedOllamaClient:
        """A real async core client talking to this fake, without retries."""
        return AsyncSharedOllamaClient(
            FAKE_HOST, transport=httpx.MockTransport(self.handler), retry=RetryPolicy(attempts=1)
        )

    def clients(self) -> dict[str, Any]:
        """``client=`` and ``async_client=`` for a model under test."""
        return {"client": self.client(), "async_client": self.async_client()}


@pytest.fixture
def fake() -> FakeOllama:
    """A fresh scripted Ollama."""
    return FakeOllama()


def chat_answer(content: str = "Hello!", **extra: Any) -> dict[str, Any]:
    """A final, non-streamed ``/api/chat`` answer shaped like Ollama's."""
    return {
        "model": "smollm2:135m",
        "created_at": "2025-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": content, **extra.pop("message", {})},
        "done": True,
        "done_reason": "stop",
        "total_duration": 5_000_000,
        "load_duration": 1_000_000,
        "prompt_eval_count": 7,
        "prompt_eval_duration": 2_000_000,
        "eval_count": 3,
        "eval_duration": 2_000_000,
        **extra,
    }


def chat_stream(*pieces: str, final: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Chunks of an ``/api/chat`` stream: one per piece, then the final ``done`` chunk."""
    chunks: list[dict[str, Any]] = [
        {
            "model": "smollm2:135m",
            "created_at": "2025-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": piece},
            "done": False,
        }
        for piece in pieces
    ]
    chunks.append(final if final is not None else chat_answer(""))
    return chunks


@pytest.fixture
def chat_answer_factory() -> Any:
    """:func:`chat_answer` for tests (modules cannot import conftest under importlib mode)."""
    return chat_answer


@pytest.fixture
def chat_stream_factory() -> Any:
    """:func:`chat_stream` for tests."""
    return chat_stream
