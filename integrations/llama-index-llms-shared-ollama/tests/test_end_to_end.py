"""End to end: ``Settings.llm`` and ``Settings.embed_model`` drive a ``VectorStoreIndex`` query.

Runs from a cassette (``cassettes/llama_index/test_end_to_end/``, recorded from the real Ollama
0.5.4 with ``smollm2:135m``) and live against ``SHARED_OLLAMA_LIVE_URL``. The tests assert that
tokens stream, that the right source is retrieved first (the model's embeddings track meaning),
and what was sent; a 135M model's answer text is not asserted.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.base.response.schema import AsyncStreamingResponse, StreamingResponse
from llama_index.core.node_parser import SentenceSplitter

from llama_index.embeddings.shared_ollama import SharedOllamaEmbedding
from llama_index.llms.shared_ollama import SharedOllama
from shared_ollama import AsyncSharedOllamaClient, SharedOllamaClient

DOCUMENTS = [
    Document(text="The lighthouse keeper lights the lamp at dusk.", doc_id="lighthouse"),
    Document(text="Bees carry pollen between flowers in spring.", doc_id="bees"),
    Document(text="The river freezes in January and thaws in March.", doc_id="river"),
]
QUESTION = "When does the river freeze?"


def node_id(index: int, document: Document) -> str:
    """Stable node ids, so recorded requests match on replay."""
    return f"{document.doc_id}-{index}"


def splitter() -> SentenceSplitter:
    """The default splitter, with stable node ids so recorded requests match on replay."""
    return SentenceSplitter(id_func=node_id)


@pytest.fixture
def restore_settings() -> Iterator[None]:
    """Put LlamaIndex's global ``Settings`` back as they were."""
    llm, embed_model = Settings._llm, Settings._embed_model
    yield
    Settings._llm, Settings._embed_model = llm, embed_model


@pytest.fixture
def configured(
    server: tuple[str, str],
    clients: tuple[SharedOllamaClient, AsyncSharedOllamaClient],
    restore_settings: None,
) -> tuple[SharedOllamaClient, AsyncSharedOllamaClient]:
    """``Settings.llm`` and ``Settings.embed_model`` set to ours, sharing one pair of clients."""
    _, model = server
    sync_client, async_client = clients
    Settings.llm = SharedOllama(
        model=model,
        additional_kwargs={"num_predict": 16, "seed": 7, "temperature": 0.0},
        client=sync_client,
        async_client=async_client,
    )
    Settings.embed_model = SharedOllamaEmbedding(
        model_name=model, client=sync_client, async_client=async_client
    )
    return clients


def test_end_to_end_streaming_query_engine_over_an_index(configured: object) -> None:
    """An index built with our embeddings answers a streaming query with our LLM."""
    index = VectorStoreIndex.from_documents(DOCUMENTS, transformations=[splitter()])
    engine = index.as_query_engine(streaming=True, similarity_top_k=2)

    response = engine.query(QUESTION)

    assert isinstance(response, StreamingResponse)
    tokens = list(response.response_gen)
    assert len(tokens) > 1
    assert all(isinstance(token, str) for token in tokens)
    assert len(response.source_nodes) == 2
    # Embeddings track meaning: the document about the river ranks first for a river question.
    assert response.source_nodes[0].node.ref_doc_id == "river"


async def test_end_to_end_async_streaming_query_engine_over_an_index(
    configured: object,
) -> None:
    """The same through ``aquery``: async query embedding and an async token stream.

    The index is built without ``use_async``: inside a running loop LlamaIndex would run those
    embeddings on a second, short-lived loop, and an async client cannot outlive its loop.
    """
    index = VectorStoreIndex.from_documents(DOCUMENTS, transformations=[splitter()])
    engine = index.as_query_engine(streaming=True, similarity_top_k=2)

    response = await engine.aquery(QUESTION)

    assert isinstance(response, AsyncStreamingResponse)
    tokens = [token async for token in response.async_response_gen()]
    assert len(tokens) > 1
    assert len(response.source_nodes) == 2
    assert response.source_nodes[0].node.ref_doc_id == "river"
