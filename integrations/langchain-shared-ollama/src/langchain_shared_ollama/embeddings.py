"""``SharedOllamaEmbeddings``: LangChain's embeddings interface over ``/api/embed``.

A public module (``langchain_shared_ollama.embeddings``), as LangChain's partner packages have
one. Texts are sent in batches of at most ``batch_size`` (``plan_batches``, pure). The sync path
sends them one after the other; the async path runs at most ``max_concurrency`` requests at a
time with a fixed set of workers (never one task per batch), and both put each vector back at
its text's position, so the output order is the input order.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.embeddings import Embeddings
from pydantic import ConfigDict, Field, model_validator
from typing_extensions import Self

from langchain_shared_ollama._request import build_options, embed_request, plan_batches
from langchain_shared_ollama._shared_fields import ConnectionFields, SamplingFields

__all__ = ["DEFAULT_BATCH_SIZE", "DEFAULT_MAX_CONCURRENCY", "SharedOllamaEmbeddings"]

DEFAULT_BATCH_SIZE = 512
"""Texts per ``/api/embed`` request."""
DEFAULT_MAX_CONCURRENCY = 4
"""Batches in flight at once on the async path (the core client's default cap is also 4)."""


class SharedOllamaEmbeddings(ConnectionFields, SamplingFields, Embeddings):
    """Embed texts with a model on a shared Ollama server (``/api/embed``).

    A drop-in replacement for ``langchain_ollama.OllamaEmbeddings``: the same constructor fields
    with the same meaning (``model``, ``dimensions``, ``base_url``, ``keep_alive``,
    ``client_kwargs``, the runtime options, ...). Added: ``truncate``, ``batch_size``,
    ``max_concurrency``, ``timeout``, ``max_retries``, ``api_key`` and injected
    ``client``/``async_client``.

    Example:
        ```python
        from langchain_shared_ollama import SharedOllamaEmbeddings

        embeddings = SharedOllamaEmbeddings(model="nomic-embed-text")
        vectors = embeddings.embed_documents(["first text", "second text"])
        ```
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    model: str
    """Name of the Ollama embedding model."""

    dimensions: int | None = Field(default=None, ge=1)
    """Length of the vectors, for models that can shorten them; ``None`` keeps the model's."""

    truncate: bool | None = None
    """Cut texts longer than the context window (``True``, Ollama's default) or fail (``False``)."""

    keep_alive: int | str | None = None
    """How long the model stays loaded after a call: seconds, or a duration like ``"5m"``."""

    batch_size: int = Field(default=DEFAULT_BATCH_SIZE, ge=1)
    """Most texts sent in one request."""

    max_concurrency: int = Field(default=DEFAULT_MAX_CONCURRENCY, ge=1)
    """Most requests in flight at once in ``aembed_documents``."""

    @model_validator(mode="after")
    def _prepare(self) -> Self:
        self._check_connection()
        if self.validate_model_on_init:
            self._check_model(self.model)
        return self

    def _request(self, texts: list[str]) -> dict[str, Any]:
        return embed_request(
            model=self.model,
            texts=texts,
            options=build_options(self._option_values(), stop=self.stop),
            truncate=self.truncate,
            keep_alive=self.keep_alive,
            dimensions=self.dimensions,
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Return one vector per text, in the order of ``texts``."""
        client = self._clients.sync()
        vectors: list[list[float]] = []
        for start, stop in plan_batches(len(texts), self.batch_size):
            response = client.embed(**self._request(texts[start:stop]))
            vectors.extend(_checked(response.embeddings, stop - start))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        """Return the vector of one text."""
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Return one vector per text, in the order of ``texts``, with bounded concurrency."""
        client = self._clients.async_()
        batches = plan_batches(len(texts), self.batch_size)
        results: list[list[list[float]]] = [[] for _ in batches]
        pending = iter(range(len(batches)))

        async def worker() -> None:
            for index in pending:
                start, stop = batches[index]
                response = await client.embed(**self._request(texts[start:stop]))
                results[index] = _checked(response.embeddings, stop - start)

        tasks = [
            asyncio.ensure_future(worker()) for _ in range(min(self.max_concurrency, len(batches)))
        ]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return [vector for batch in results for vector in batch]

    async def aembed_query(self, text: str) -> list[float]:
        """Return the vector of one text."""
        return (await self.aembed_documents([text]))[0]


def _checked(vectors: list[list[float]], expected: int) -> list[list[float]]:
    """Return ``vectors`` after checking the server sent one per text."""
    if len(vectors) != expected:
        from shared_ollama import ResponseError  # noqa: PLC0415 (core loads on first use)

        raise ResponseError(
            f"Ollama returned {len(vectors)} embeddings for {expected} texts; the vectors "
            "cannot be matched to the texts. Check the server version and its logs",
            status_code=200,
            error="embedding count mismatch",
        )
    return vectors
