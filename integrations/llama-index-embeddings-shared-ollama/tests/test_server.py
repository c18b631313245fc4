"""``SharedOllamaEmbedding`` against a real Ollama: recorded and live.

Each test runs twice (the ``server`` fixture): ``[cassette]`` replays
``cassettes/llama_index/test_server/`` (recorded from ``../shared/ollama-dev/serve.sh`` with
``smollm2:135m``, Ollama 0.5.4) and ``[live]`` talks to ``SHARED_OLLAMA_LIVE_URL``. The model is
not an embedding model, so only shapes and equalities are asserted.

Re-record: start the server, export ``SHARED_OLLAMA_LIVE_URL``, delete the cassettes to refresh,
and run this module with ``--record-mode=once``.
"""

from __future__ import annotations

import pytest

from llama_index.embeddings.shared_ollama import SharedOllamaEmbedding
from shared_ollama import AsyncSharedOllamaClient, SharedOllamaClient

MODES = ["sync", "async"]


@pytest.fixture
def embedder(
    server: tuple[str, str], clients: tuple[SharedOllamaClient, AsyncSharedOllamaClient]
) -> SharedOllamaEmbedding:
    """A ``SharedOllamaEmbedding`` on the server, two texts per request."""
    _, model = server
    return SharedOllamaEmbedding(
        model_name=model, embed_batch_size=2, client=clients[0], async_client=clients[1]
    )


@pytest.mark.parametrize("mode", MODES)
async def test_server_embeddings_keep_order_and_dimension(
    embedder: SharedOllamaEmbedding, mode: str
) -> None:
    """Five texts in three requests: one vector each, same size, equal texts equal vectors."""
    texts = ["red apple", "blue sea", "red apple", "green tree", "grey stone"]

    if mode == "sync":
        vectors = embedder.get_text_embedding_batch(texts)
        query = embedder.get_query_embedding("fruit")
    else:
        vectors = await embedder.aget_text_embedding_batch(texts)
        query = await embedder.aget_query_embedding("fruit")

    assert len(vectors) == len(texts)
    assert len({len(vector) for vector in [*vectors, query]}) == 1
    assert vectors[0] == pytest.approx(vectors[2])
    assert vectors[0] != pytest.approx(vectors[1])
