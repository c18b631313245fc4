"""SharedOllamaEmbeddings: batches, order, bounded concurrency and request fields."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from langchain_shared_ollama import SharedOllamaEmbeddings
from langchain_shared_ollama._request import plan_batches
from shared_ollama import AsyncSharedOllamaClient, ResponseError, RetryPolicy, SharedOllamaClient


def _vector(text: str) -> list[float]:
    return [float(len(text)), float(ord(text[0]))]


def _embed_handler(request: httpx.Request) -> httpx.Response:
    texts = json.loads(request.content)["input"]
    return httpx.Response(200, json={"model": "e", "embeddings": [_vector(t) for t in texts]})


def _clients(handler: Any) -> dict[str, Any]:
    transport = httpx.MockTransport(handler)
    once = RetryPolicy(attempts=1)
    return {
        "client": SharedOllamaClient("http://e.test:1", transport=transport, retry=once),
        "async_client": AsyncSharedOllamaClient("http://e.test:1", transport=transport, retry=once),
    }


@pytest.mark.parametrize(
    ("count", "size", "expected"),
    [(0, 2, []), (1, 2, [(0, 1)]), (5, 2, [(0, 2), (2, 4), (4, 5)]), (4, 4, [(0, 4)])],
)
def test_plan_batches_covers_every_text_once(count: int, size: int, expected: Any) -> None:
    """Batches are consecutive slices of at most ``batch_size`` texts."""
    assert plan_batches(count, size) == expected


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_embeddings_batches_preserve_order(mode: str) -> None:
    """Texts go out in batches of ``batch_size`` and vectors come back in input order."""
    sent: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content)["input"])
        return _embed_handler(request)

    texts = ["a", "bb", "ccc", "dddd", "eeeee"]
    embeddings = SharedOllamaEmbeddings(model="e", batch_size=2, **_clients(handler))

    if mode == "sync":
        vectors = embeddings.embed_documents(texts)
    else:
        vectors = await embeddings.aembed_documents(texts)

    assert vectors == [_vector(t) for t in texts]
    assert sorted(sent) == [["a", "bb"], ["ccc", "dddd"], ["eeeee"]]


async def test_embeddings_async_concurrency_is_bounded() -> None:
    """No more than ``max_concurrency`` requests are in flight at once, and that many are."""
    in_flight = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(5):
            await asyncio.sleep(0)  # yield to the other workers; no time passes
        in_flight -= 1
        return _embed_handler(request)

    transport = httpx.MockTransport(handler)
    client = AsyncSharedOllamaClient("http://e.test:1", transport=transport)
    embeddings = SharedOllamaEmbeddings(
        model="e", batch_size=1, max_concurrency=2, async_client=client
    )

    vectors = await embeddings.aembed_documents([str(i) for i in range(10)])

    assert len(vectors) == 10
    assert peak == 2


def test_embeddings_request_fields() -> None:
    """``truncate``, ``dimensions``, ``keep_alive`` and options are sent when set."""
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return _embed_handler(request)

    embeddings = SharedOllamaEmbeddings(
        model="e", truncate=False, dimensions=2, keep_alive=60, num_ctx=512, **_clients(handler)
    )

    assert embeddings.embed_query("hello") == _vector("hello")
    assert bodies == [
        {
            "model": "e",
            "input": ["hello"],
            "truncate": False,
            "dimensions": 2,
            "keep_alive": 60,
            "options": {"num_ctx": 512},
        }
    ]


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_embeddings_empty_input_sends_nothing(mode: str) -> None:
    """No texts, no request."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    embeddings = SharedOllamaEmbeddings(model="e", **_clients(handler))

    result = (
        embeddings.embed_documents([]) if mode == "sync" else await embeddings.aembed_documents([])
    )

    assert result == []


def test_embeddings_count_mismatch_is_an_error() -> None:
    """A server that returns the wrong number of vectors cannot be matched to texts."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"model": "e", "embeddings": [[0.0]]})

    embeddings = SharedOllamaEmbeddings(model="e", **_clients(handler))

    with pytest.raises(ResponseError, match="1 embeddings for 2 texts"):
        embeddings.embed_documents(["a", "b"])


async def test_embeddings_failed_batch_stops_the_others() -> None:
    """When one batch fails, the error surfaces and no worker is left running."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if json.loads(request.content)["input"] == ["b"]:
            return httpx.Response(400, json={"error": "bad input"})
        return _embed_handler(request)

    embeddings = SharedOllamaEmbeddings(
        model="e", batch_size=1, max_concurrency=1, **_clients(handler)
    )

    with pytest.raises(ResponseError):
        await embeddings.aembed_documents(["a", "b", "c", "d"])
    assert calls == 2


def test_embeddings_fields_are_validated() -> None:
    """Unknown fields and non-positive sizes are refused at construction."""
    with pytest.raises(ValidationError):
        SharedOllamaEmbeddings(model="e", batch_size=0)
    with pytest.raises(ValidationError):
        SharedOllamaEmbeddings(model="e", dimensions=0)
    with pytest.raises(ValidationError):
        SharedOllamaEmbeddings(model="e", temprature=1)  # type: ignore[call-arg]
