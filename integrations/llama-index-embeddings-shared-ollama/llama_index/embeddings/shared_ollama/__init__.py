"""LlamaIndex embeddings for Ollama on shared-ollama's resilient core client.

>>> from llama_index.embeddings.shared_ollama import SharedOllamaEmbedding
"""

from ._batches import DEFAULT_MAX_CONCURRENT_BATCHES
from ._embedding import SharedOllamaEmbedding

__all__ = ["DEFAULT_MAX_CONCURRENT_BATCHES", "SharedOllamaEmbedding"]
