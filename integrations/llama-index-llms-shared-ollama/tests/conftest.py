"""Fixtures for llama-index-llms-shared-ollama's tests.

A scripted Ollama on ``httpx.MockTransport`` with core clients bound to it, chat streams in the
documented shape, and where cassettes live (``cassettes/llama_index/<module>/``). The live
server, cassette matching, per-test hosts and the ``events`` log come from
``integrations/conftest.py``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared_ollama import AsyncSharedOllamaClient, RetryPolicy, SharedOllamaClient

CASSETTE_ROOT = Path(__file__).resolve().parents[3] / "cassettes" / "llama_index"
NO_RETRIES = RetryPolicy(attempts=1)


Reply = Mapping[str, Any] | Sequence[Mapping[str, Any]] | httpx.Response


class FakeOllama:
    """A scripted Ollama: canned replies per path, and a record of every request it received.

    A reply given as a list of dicts is sent as an NDJSON stream; a dict as one JSON object.
    ``/api/ps`` answers "nothing loaded" unless scripted otherwise.
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._replies: dict[str, list[Reply]] = {"/api/ps": [{"models": []}]}

    def reply(self, path: str, *replies: Reply) -> None:
        """Answer the next requests to ``path`` with ``replies`` in turn (the last one repeats)."""
        self._replies[path] = list(replies)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self._replies.get(request.url.path)
        if not queue:
            return httpx.Response(404, json={"error": f"no scripted reply for {request.url.path}"})
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, httpx.Response):
            return reply
        if isinstance(reply, Mapping):
            return httpx.Response(200, json=dict(reply))
        lines = b"".join(json.dumps(chunk).encode() + b"\n" for chunk in reply)
        return httpx.Response(200, content=lines, headers={"content-type": "application/x-ndjson"})

    def posts(self, path: str) -> list[dict[str, Any]]:
        """The JSON bodies of the POST requests sent to ``path``, oldest first."""
        return [
            json.loads(request.content)
            for request in self.requests
            if request.method == "POST" and request.url.path == path
        ]

    def __repr__(self) -> str:
        return f"FakeOllama(requests={len(self.requests)}, paths={sorted(self._replies)})"


@pytest.fixture
def fake() -> FakeOllama:
    """A fresh scripted Ollama."""
    return FakeOllama()


@pytest.fixture
def sync_client(fake: FakeOllama, fake_url: str) -> Iterator[SharedOllamaClient]:
    """A core client that talks to ``fake`` and never retries."""
    client = SharedOllamaClient(fake_url, transport=httpx.MockTransport(fake), retry=NO_RETRIES)
    yield client
    client.close()


@pytest.fixture
async def async_client(fake: FakeOllama, fake_url: str) -> AsyncIterator[AsyncSharedOllamaClient]:
    """An async core client that talks to ``fake`` and never retries."""
    client = AsyncSharedOllamaClient(
        fake_url, transport=httpx.MockTransport(fake), retry=NO_RETRIES, max_in_flight=64
    )
    yield client
    await client.close()


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes live in ``cassettes/llama_index/<test module>/`` at the repository root."""
    return str(CASSETTE_ROOT / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture
def make_chunks() -> Callable[..., list[dict[str, Any]]]:
    """Build an NDJSON chat stream in the shape Ollama's API documentation shows."""

    def build(
        *pieces: str, thinking: Sequence[str] = (), model: str = "llama3.2"
    ) -> list[dict[str, Any]]:
        chunks: list[dict[str, Any]] = [
            {
                "model": model,
                "created_at": "2023-08-04T08:52:19.385406455-07:00",
                "message": {"role": "assistant", "content": "", "thinking": piece},
                "done": False,
            }
            for piece in thinking
        ]
        chunks += [
            {
                "model": model,
                "created_at": "2023-08-04T08:52:19.385406455-07:00",
                "message": {"role": "assistant", "content": piece},
                "done": False,
            }
            for piece in pieces
        ]
        chunks.append(
            {
                "model": model,
                "created_at": "2023-08-04T19:22:45.499127Z",
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "done_reason": "stop",
                "total_duration": 4883583458,
                "load_duration": 1334875,
                "prompt_eval_count": 26,
                "prompt_eval_duration": 342546000,
                "eval_count": 282,
                "eval_duration": 4535599000,
            }
        )
        return chunks

    return build
