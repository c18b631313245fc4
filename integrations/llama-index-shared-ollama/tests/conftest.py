"""Fixtures for the LlamaIndex integration's tests.

A scripted Ollama on ``httpx.MockTransport`` with core clients bound to it, the live server URL,
and cassette settings (``cassettes/llama_index/<module>/``).

The repository runs pytest with ``--import-mode=importlib`` and ``--record-mode=none``, so these
fixtures are defined here rather than imported from the root ``tests/conftest.py``.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from pydantic import Field

from shared_ollama import AsyncSharedOllamaClient, RetryPolicy, SharedOllamaClient

LIVE_URL_VARIABLE = "SHARED_OLLAMA_LIVE_URL"
LIVE_MODEL = "smollm2:135m"
CASSETTE_ROOT = Path(__file__).resolve().parents[3] / "cassettes" / "llama_index"
NO_RETRIES = RetryPolicy(attempts=1)
_hosts = itertools.count()


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
def fake_url() -> str:
    """A host name of its own for each test, so no breaker or warmth state leaks between tests."""
    return f"http://ollama-{next(_hosts)}.test:11434"


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


class EventLog(BaseEventHandler):
    """Collects the names of LlamaIndex instrumentation events."""

    names: list[str] = Field(default_factory=list)

    @classmethod
    def class_name(cls) -> str:
        """Name of this handler."""
        return "EventLog"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        """Record the event's class name."""
        self.names.append(event.class_name())


@pytest.fixture
def events() -> Iterator[list[str]]:
    """Names of the instrumentation events emitted during the test."""
    root = get_dispatcher()
    handler = EventLog(names=[])
    root.add_event_handler(handler)
    yield handler.names
    root.event_handlers.remove(handler)


@pytest.fixture
def live_url() -> str:
    """Base URL of a real Ollama for live tests, or skip with the reason when none is configured."""
    url = os.environ.get(LIVE_URL_VARIABLE)
    if not url:
        pytest.skip(
            f"{LIVE_URL_VARIABLE} is unset: start an Ollama (e.g. ../shared/ollama-dev/serve.sh "
            f"PORT) and export {LIVE_URL_VARIABLE}=http://127.0.0.1:PORT to run live tests"
        )
    return url


@pytest.fixture
def live_model() -> str:
    """The small model every live test and cassette uses."""
    return os.environ.get("SHARED_OLLAMA_LIVE_MODEL", LIVE_MODEL)


@pytest.fixture
def cassette_url() -> str:
    """Where cassette tests send requests: the live server when recording, any URL on replay.

    Cassettes match on method, path, query and body, never on the host.
    """
    return os.environ.get(LIVE_URL_VARIABLE, "http://127.0.0.1:11434")


def _drop_volatile_response_headers(response: dict[str, Any]) -> dict[str, Any]:
    for name in ("Date", "date", "Content-Length", "content-length"):
        response.get("headers", {}).pop(name, None)
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Match on method, path, query and body; keep no volatile or secret header."""
    return {
        "match_on": ["method", "path", "query", "body"],
        "filter_headers": ["authorization", "date", "user-agent", "x-request-id", "x-project"],
        "before_record_response": _drop_volatile_response_headers,
        "decode_compressed_response": True,
    }


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
