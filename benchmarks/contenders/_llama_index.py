"""LlamaIndex contenders: the Ollama packages, ours, and the no-I/O floor, driven by one class.

Each is used as a LlamaIndex user would: ``chat`` and ``stream_chat`` on an LLM built with
``model``, ``base_url``, ``request_timeout`` (and ``additional_kwargs={"num_predict": N}`` for
the streamed case), ``achat`` for the concurrent case, and ``get_text_embedding_batch`` on an
embedding built with ``model_name`` and ``base_url``. Default settings otherwise, including
LlamaIndex's default ``embed_batch_size`` (10 texts per request).
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Any

from _cases import CHAT, CONCURRENT, EMBED, STREAM, Workload

__all__ = ["LlamaIndexContender", "floor", "ours", "peer"]

_TIMEOUT = 120.0


class LlamaIndexContender:
    """Calls through a LlamaIndex LLM class and, optionally, an embedding class.

    Args:
        name: Name in the report.
        workload: The workload.
        llm_class: An ``LLM`` subclass with the Ollama LLM's constructor fields.
        embedding_class: A ``BaseEmbedding`` subclass taking ``model_name`` and ``base_url``,
            or ``None``.
    """

    def __init__(
        self,
        name: str,
        workload: Workload,
        *,
        llm_class: Any,
        embedding_class: Any | None,
    ) -> None:
        from llama_index.core.base.llms.types import ChatMessage, MessageRole

        self.name = name
        self._workload = workload
        self._message_class = ChatMessage
        self._user = MessageRole.USER
        common = {"model": workload.model, "base_url": workload.base_url}
        self._llm = llm_class(**common, request_timeout=_TIMEOUT)
        self._streamer = llm_class(
            **common,
            request_timeout=_TIMEOUT,
            additional_kwargs={"num_predict": workload.stream_tokens},
        )
        self._embedding = (
            None
            if embedding_class is None
            else embedding_class(model_name=workload.model, base_url=workload.base_url)
        )
        self._texts = workload.texts()

    def __repr__(self) -> str:
        return f"LlamaIndexContender(name={self.name!r}, llm={type(self._llm).__name__})"

    def calls(self) -> dict[str, tuple[Callable[[], Any], bool]]:
        """Return ``case -> (call, is_async)``."""
        calls: dict[str, tuple[Callable[[], Any], bool]] = {
            CHAT: (self.chat, False),
            STREAM: (self.stream, False),
            CONCURRENT: (self.chat_concurrent, True),
        }
        if self._embedding is not None:
            calls[EMBED] = (self.embed, False)
        return calls

    def _messages(self) -> list[Any]:
        return [self._message_class(role=self._user, content=self._workload.prompt)]

    def chat(self) -> str:
        """Chat once and return the reply text."""
        return str(self._llm.chat(self._messages()).message.content)

    def stream(self) -> str:
        """Stream one reply and return the text of its last response (the whole reply)."""
        last = None
        for response in self._streamer.stream_chat(self._messages()):
            last = response
        return "" if last is None else str(last.message.content)

    def embed(self) -> tuple[int, int]:
        """Embed the workload's texts; return ``(rows, dimensions)``."""
        assert self._embedding is not None
        embeddings = self._embedding.get_text_embedding_batch(self._texts)
        return len(embeddings), len(embeddings[0])

    async def chat_concurrent(self) -> list[str]:
        """Run the workload's number of ``achat`` calls at once; return their texts."""
        replies = await asyncio.gather(
            *(self._llm.achat(self._messages()) for _ in range(self._workload.concurrency))
        )
        return [str(reply.message.content) for reply in replies]

    async def aclose(self) -> None:
        """Nothing to close: the LlamaIndex classes own their clients."""


def peer(name: str, workload: Workload) -> LlamaIndexContender:
    """Build the contender of ``llama-index-llms-ollama`` and ``llama-index-embeddings-ollama``."""
    llms = importlib.import_module("llama_index.llms.ollama")
    embeddings = importlib.import_module("llama_index.embeddings.ollama")
    return LlamaIndexContender(
        name, workload, llm_class=llms.Ollama, embedding_class=embeddings.OllamaEmbedding
    )


def ours(name: str, workload: Workload) -> LlamaIndexContender:
    """Build the contender of our LlamaIndex integration."""
    llms = importlib.import_module("llama_index.llms.shared_ollama")
    embeddings = importlib.import_module("llama_index.embeddings.shared_ollama")
    return LlamaIndexContender(
        name,
        workload,
        llm_class=llms.SharedOllama,
        embedding_class=embeddings.SharedOllamaEmbedding,
    )


def floor(name: str, workload: Workload) -> LlamaIndexContender:
    """Build the LlamaIndex floor (no I/O, no embeddings)."""
    from contenders._llama_index_floor import FloorLLM

    return LlamaIndexContender(name, workload, llm_class=FloorLLM, embedding_class=None)
