"""Unit tests of ``SharedOllamaEmbedding`` and its batching on a scripted Ollama.

``/api/embed`` replies follow Ollama's API documentation ("Generate Embeddings": ``embeddings``
is one vector per input, in input order).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from llama_index.embeddings.shared_ollama import (
    DEFAULT_MAX_CONCURRENT_BATCHES,
    SharedOllamaEmbedding,
)
from llama_index.embeddings.shared_ollama._batches import run_bounded, split_batches
from shared_ollama import AsyncSharedOllamaClient, SharedOllamaClient, SharedOllamaError

MODES = ["sync", "async"]


def vector_for(text: str) -> list[float]:
    """A vector that identifies its text, so order can be checked."""
    return [float(len(text)), float(sum(map(ord, text)) % 997)]


def embed_reply(request: httpx.Request) -> httpx.Response:
    """Answer /api/embed like Ollama: one vector per input, in order."""
    body = json.loads(request.content)
    texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
    return httpx.Response(
        200,
        json={
            "model": body["model"],
            "embeddings": [vector_for(text) for text in texts],
            "total_duration": 14143917,
            "load_duration": 1019500,
            "prompt_eval_count": 8,
        },
    )


class Router:
    """Scripted server whose /api/embed answers from the request."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return embed_reply(request)


@pytest.fixture
def router() -> Router:
    """A fresh embed server."""
    return Router()


@pytest.fixture
async def embedder(router: Router, fake_url: str) -> AsyncIterator[SharedOllamaEmbedding]:
    """An embedding model whose clients talk to ``router``."""
    sync_client = SharedOllamaClient(fake_url, transport=httpx.MockTransport(router))
    async_client = AsyncSharedOllamaClient(
        fake_url, transport=httpx.MockTransport(router), max_in_flight=64
    )
    yield SharedOllamaEmbedding(
        model_name="all-minilm",
        embed_batch_size=2,
        client=sync_client,
        async_client=async_client,
    )
    sync_client.close()
    await async_client.close()


async def batch(embedder: SharedOllamaEmbedding, mode: str, texts: list[str]) -> list[list[float]]:
    """``get_text_embedding_batch`` or its async twin."""
    if mode == "sync":
        return embedder.get_text_embedding_batch(texts)
    return await embedder.aget_text_embedding_batch(texts)


def test_shared_ollama_embedding_construction_makes_no_client() -> None:
    """Building the model makes no client (so it cannot send anything) and keeps ``5m``."""
    embedder = SharedOllamaEmbedding(model_name="all-minilm", base_url="http://127.0.0.1:1")

    assert embedder._state.clients is None
    assert embedder.keep_alive == "5m"


def test_shared_ollama_embedding_client_kwargs_reach_the_core_client() -> None:
    """``client_kwargs`` configure the client made on first use, as in OllamaEmbedding."""
    embedder = SharedOllamaEmbedding(
        model_name="all-minilm",
        base_url="http://127.0.0.1:1",
        client_kwargs={"headers": {"X-Team": "search"}},
    )

    try:
        assert embedder.client.base_url == "http://127.0.0.1:1"
    finally:
        embedder.client.close()


@pytest.mark.parametrize("mode", MODES)
async def test_shared_ollama_embedding_batches_keep_input_order(
    embedder: SharedOllamaEmbedding, router: Router, mode: str
) -> None:
    """Five texts in batches of two: three requests, vectors in input order."""
    texts = ["alpha", "be", "gamma ray", "d", "epsilon"]

    vectors = await batch(embedder, mode, texts)

    assert vectors == [vector_for(text) for text in texts]
    assert sorted(len(body["input"]) for body in router.bodies) == [1, 2, 2]
    assert all(body["model"] == "all-minilm" for body in router.bodies)
    assert all(body["keep_alive"] == "5m" for body in router.bodies)


@pytest.mark.parametrize("mode", MODES)
async def test_shared_ollama_embedding_query_uses_query_instruction(
    embedder: SharedOllamaEmbedding, router: Router, mode: str
) -> None:
    """Queries get ``query_instruction`` in front, documents ``text_instruction``, stripped."""
    embedder.query_instruction = "search_query:"
    embedder.text_instruction = "search_document:"

    if mode == "sync":
        embedder.get_query_embedding("  what is rag? ")
        embedder.get_text_embedding("RAG is retrieval. ")
    else:
        await embedder.aget_query_embedding("  what is rag? ")
        await embedder.aget_text_embedding("RAG is retrieval. ")

    assert [body["input"] for body in router.bodies] == [
        ["search_query: what is rag?"],
        ["search_document: RAG is retrieval."],
    ]


def test_shared_ollama_embedding_sends_options(
    embedder: SharedOllamaEmbedding, router: Router
) -> None:
    """``ollama_additional_kwargs`` go out as Ollama ``options``."""
    embedder.ollama_additional_kwargs = {"num_ctx": 512}

    embedder.get_text_embedding("x")

    assert router.bodies[0]["options"] == {"num_ctx": 512}


def test_shared_ollama_embedding_count_mismatch_raises(fake_url: str) -> None:
    """A reply with fewer vectors than texts cannot be matched and raises."""
    short = httpx.MockTransport(
        lambda request: httpx.Response(200, json={"model": "m", "embeddings": [[0.0]]})
    )
    with SharedOllamaClient(fake_url, transport=short) as client:
        embedder = SharedOllamaEmbedding(model_name="m", client=client)

        with pytest.raises(SharedOllamaError, match="1 embeddings for 2 texts"):
            embedder.get_text_embedding_batch(["a", "b"])


async def test_shared_ollama_embedding_async_batches_are_bounded(fake_url: str) -> None:
    """Ten async batches with ``num_workers=3`` never have more than three requests in flight."""
    in_flight = 0
    peak = 0

    async def slow_embed(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        # Yield to the loop (no timing) until three requests are in, then a while longer, so a
        # fourth would get in here too if the bound were broken.
        for _ in range(200):
            if in_flight >= 3:
                break
            await asyncio.sleep(0)
        for _ in range(50):
            await asyncio.sleep(0)
        in_flight -= 1
        return embed_reply(request)

    client = AsyncSharedOllamaClient(
        fake_url, transport=httpx.MockTransport(slow_embed), max_in_flight=64
    )
    embedder = SharedOllamaEmbedding(
        model_name="m", embed_batch_size=1, num_workers=3, async_client=client
    )
    texts = [f"text {i}" for i in range(10)]

    vectors = await embedder.aget_text_embedding_batch(texts)

    await client.close()
    assert peak == 3
    assert vectors == [vector_for(text) for text in texts]


async def test_shared_ollama_embedding_async_batch_emits_events_per_batch(
    embedder: SharedOllamaEmbedding, events: list[str]
) -> None:
    """Each async batch emits EmbeddingStartEvent and EmbeddingEndEvent, as LlamaIndex does."""
    await embedder.aget_text_embedding_batch(["a", "b", "c"])

    assert events.count("EmbeddingStartEvent") == 2
    assert events.count("EmbeddingEndEvent") == 2


def test_split_batches_cuts_in_order() -> None:
    """Batches are consecutive slices of at most ``size`` texts."""
    assert split_batches(["a", "b", "c", "d", "e"], 2) == [["a", "b"], ["c", "d"], ["e"]]
    assert split_batches([], 3) == []


def test_split_batches_rejects_zero_size() -> None:
    """A batch size below one is a ValueError saying what to pass."""
    with pytest.raises(ValueError, match="embed_batch_size"):
        split_batches(["a"], 0)


async def test_run_bounded_returns_results_in_job_order() -> None:
    """Results come back in job order even when later jobs finish first."""
    gates = [asyncio.Event() for _ in range(4)]

    async def job(index: int) -> int:
        if index == 0:
            await gates[3].wait()  # the first job finishes after the last one
        else:
            gates[index].set()
        return index * 10

    async def last() -> int:
        gates[3].set()
        return 30

    jobs = [lambda: job(0), lambda: job(1), lambda: job(2), last]

    assert await run_bounded(jobs, limit=DEFAULT_MAX_CONCURRENT_BATCHES) == [0, 10, 20, 30]


async def test_run_bounded_first_failure_cancels_the_rest_and_raises() -> None:
    """A failing job's exception is raised and jobs not yet started never start."""
    started: list[int] = []

    async def job(index: int) -> int:
        started.append(index)
        if index == 1:
            raise RuntimeError("boom")
        await asyncio.sleep(0)
        return index

    jobs = [lambda i=i: job(i) for i in range(6)]  # type: ignore[misc]

    with pytest.raises(RuntimeError, match="boom"):
        await run_bounded(jobs, limit=2)

    assert 5 not in started


async def test_run_bounded_rejects_a_limit_below_one() -> None:
    """A limit of zero is misuse."""
    with pytest.raises(ValueError, match="at least 1"):
        await run_bounded([], limit=0)


def test_shared_ollama_embedding_deepcopy_shares_clients_and_pickle_drops_them(
    embedder: SharedOllamaEmbedding,
) -> None:
    """A deep copy keeps the same core client; a pickled model comes back without one."""
    import copy
    import pickle

    copied = copy.deepcopy(embedder)
    restored = pickle.loads(pickle.dumps(embedder))

    assert copied.client is embedder.client
    assert restored.model_name == embedder.model_name
    assert restored._state.clients is None


def test_shared_ollama_embedding_gets_one_async_client_per_event_loop() -> None:
    """Each event loop gets its own async client (LlamaIndex's ``use_async`` runs a second one)."""
    embedder = SharedOllamaEmbedding(
        model_name="all-minilm",
        base_url="http://per-loop.test:1",
        client_kwargs={"transport": httpx.MockTransport(embed_reply)},
    )

    async def use() -> tuple[AsyncSharedOllamaClient, list[float]]:
        return embedder.async_client, await embedder.aget_query_embedding("fruit")

    first_client, first = asyncio.run(use())
    second_client, second = asyncio.run(use())

    assert first_client is not second_client
    assert first == second == vector_for("fruit")
