"""Retrieval-augmented generation with LlamaIndex, both models served by the shared Ollama.

``Settings.llm`` and ``Settings.embed_model`` are LlamaIndex's global defaults: every index and
query engine built afterwards uses them. The documents are embedded in batches, the question is
embedded, the closest documents are retrieved and handed to the LLM with the question.

Run it as is: ``python examples/llamaindex_rag.py`` (needs
``llama-index-llms-shared-ollama`` and ``llama-index-embeddings-shared-ollama``; server from ``SHARED_OLLAMA_URL`` / ``OLLAMA_HOST``, model from
``SHARED_OLLAMA_EXAMPLE_MODEL``, default ``smollm2:135m``; in real use pick an embedding model
such as ``nomic-embed-text`` for ``SharedOllamaEmbedding``).
"""

from __future__ import annotations

import os

from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.node_parser import SentenceSplitter

from llama_index.embeddings.shared_ollama import SharedOllamaEmbedding
from llama_index.llms.shared_ollama import SharedOllama

MODEL = os.environ.get("SHARED_OLLAMA_EXAMPLE_MODEL", "smollm2:135m")
DOCUMENTS = (
    "The shared Ollama daemon runs on port 11434 of the build server.",
    "Models are pulled once with `shared-ollama pull` and used by every project.",
    "Each client sends at most four requests at once to a host.",
    "The circuit breaker opens after five consecutive failures.",
)


def main() -> None:
    # base_url=None (the default) finds the server like every shared-ollama client does.
    # Ollama options other than temperature go in additional_kwargs.
    Settings.llm = SharedOllama(
        model=MODEL, temperature=0, additional_kwargs={"seed": 42, "num_predict": 16}
    )
    Settings.embed_model = SharedOllamaEmbedding(model_name=MODEL)

    documents = [Document(text=text, id_=f"doc-{n}") for n, text in enumerate(DOCUMENTS)]
    # Stable node ids instead of random UUIDs: equal scores then rank the same way every run,
    # so the run is repeatable (and can be recorded and replayed).
    splitter = SentenceSplitter(id_func=lambda i, doc: f"{doc.id_}-{i}")
    index = VectorStoreIndex.from_documents(documents, transformations=[splitter])
    engine = index.as_query_engine(similarity_top_k=2)
    response = engine.query("How many requests does a client send at once?")

    print(f"answer: {str(response).strip()!r}")
    print(f"retrieved {len(response.source_nodes)} of {len(DOCUMENTS)} documents:")
    for source in response.source_nodes:
        print(f"  {source.score:+.3f}  {source.node.get_content()}")


if __name__ == "__main__":
    main()
