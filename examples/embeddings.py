"""Embed a batch of texts in one call, then rank them against a query by cosine similarity.

``embed`` sends every input in one ``/api/embed`` request and returns one vector per input, in
order. The similarity is computed by hand here to show there is no magic in it.

Run it as is: ``python examples/embeddings.py`` (server from ``SHARED_OLLAMA_URL`` /
``OLLAMA_HOST``, model from ``SHARED_OLLAMA_EXAMPLE_MODEL``, default ``smollm2:135m``; a real
embedding model such as ``nomic-embed-text`` gives meaningful rankings).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from shared_ollama import SharedOllamaClient

MODEL = os.environ.get("SHARED_OLLAMA_EXAMPLE_MODEL", "smollm2:135m")
DOCUMENTS = (
    "The cat sleeps on the warm windowsill.",
    "Stock markets fell sharply on Monday.",
    "A kitten chased a ball of yarn.",
    "The central bank raised interest rates.",
)
QUERY = "pets playing at home"


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity: the dot product of the two vectors over the product of their norms."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norms if norms else 0.0


def main() -> None:
    with SharedOllamaClient() as client:
        # One request for the whole batch: the query goes first, the documents after it.
        response = client.embed(MODEL, [QUERY, *DOCUMENTS])
        query_vector, *document_vectors = response.embeddings
        print(f"embedded {len(response.embeddings)} texts, {len(query_vector)} dimensions each")

        ranked = sorted(
            zip(DOCUMENTS, document_vectors, strict=True),
            key=lambda pair: cosine(query_vector, pair[1]),
            reverse=True,
        )
        print(f"query: {QUERY!r}")
        for rank, (text, vector) in enumerate(ranked, start=1):
            print(f"{rank}. {cosine(query_vector, vector):+.3f}  {text}")


if __name__ == "__main__":
    main()
