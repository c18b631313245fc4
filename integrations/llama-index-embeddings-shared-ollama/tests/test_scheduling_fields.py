"""``project=`` and ``priority=`` reach the core clients (fair share on shared slots)."""

from __future__ import annotations

from llama_index.embeddings.shared_ollama import SharedOllamaEmbedding


def test_embedding_scheduling_fields_reach_both_core_clients() -> None:
    """Embedding a corpus as ``batch``: both core clients carry the project and priority."""
    embedding = SharedOllamaEmbedding(
        model_name="e",
        base_url="http://127.0.0.1:9",
        project="indexer",
        priority="batch",
        client_kwargs={"priority": "normal"},
    )
    assert (embedding.client.project, embedding.client.priority) == ("indexer", "batch")
    assert embedding.async_client.priority == "batch"
