"""LangChain contenders: ``langchain-ollama``, ours, and the no-I/O floor, driven by one class.

Each is used as a LangChain user would: ``invoke`` and ``stream`` on a chat model built with
``model``, ``base_url`` (and ``num_predict`` for the streamed case), ``ainvoke`` for the
concurrent case, and ``embed_documents`` on an embeddings class built with ``model`` and
``base_url``. Default settings otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from _cases import CHAT, CONCURRENT, EMBED, STREAM, Workload

__all__ = ["LangChainContender", "floor", "ours", "peer"]


class LangChainContender:
    """Calls through a LangChain chat model class and, optionally, an embeddings class.

    Args:
        name: Name in the report.
        workload: The workload.
        chat_class: A ``BaseChatModel`` subclass taking ``model``, ``base_url``, ``num_predict``.
        embeddings_class: An ``Embeddings`` class taking ``model`` and ``base_url``, or ``None``.
    """

    def __init__(
        self,
        name: str,
        workload: Workload,
        *,
        chat_class: Any,
        embeddings_class: Any | None,
    ) -> None:
        self.name = name
        self._workload = workload
        self._chat = chat_class(model=workload.model, base_url=workload.base_url)
        self._streamer = chat_class(
            model=workload.model, base_url=workload.base_url, num_predict=workload.stream_tokens
        )
        self._embeddings = (
            None
            if embeddings_class is None
            else embeddings_class(model=workload.model, base_url=workload.base_url)
        )
        self._texts = workload.texts()

    def __repr__(self) -> str:
        return f"LangChainContender(name={self.name!r}, chat={type(self._chat).__name__})"

    def calls(self) -> dict[str, tuple[Callable[[], Any], bool]]:
        """Return ``case -> (call, is_async)``."""
        calls: dict[str, tuple[Callable[[], Any], bool]] = {
            CHAT: (self.chat, False),
            STREAM: (self.stream, False),
            CONCURRENT: (self.chat_concurrent, True),
        }
        if self._embeddings is not None:
            calls[EMBED] = (self.embed, False)
        return calls

    def chat(self) -> str:
        """Invoke the chat model once and return the reply text."""
        return str(self._chat.invoke(self._workload.prompt).content)

    def stream(self) -> str:
        """Stream one reply and return the concatenated text of its chunks."""
        return "".join(str(chunk.content) for chunk in self._streamer.stream(self._workload.prompt))

    def embed(self) -> tuple[int, int]:
        """Embed the workload's texts; return ``(rows, dimensions)``."""
        assert self._embeddings is not None
        embeddings = self._embeddings.embed_documents(self._texts)
        return len(embeddings), len(embeddings[0])

    async def chat_concurrent(self) -> list[str]:
        """Run the workload's number of ``ainvoke`` calls at once; return their texts."""
        prompt = self._workload.prompt
        replies = await asyncio.gather(
            *(self._chat.ainvoke(prompt) for _ in range(self._workload.concurrency))
        )
        return [str(reply.content) for reply in replies]

    async def aclose(self) -> None:
        """Nothing to close: the LangChain classes own their clients."""


def peer(name: str, workload: Workload) -> LangChainContender:
    """Build the ``langchain-ollama`` contender."""
    from langchain_ollama import ChatOllama, OllamaEmbeddings

    return LangChainContender(
        name, workload, chat_class=ChatOllama, embeddings_class=OllamaEmbeddings
    )


def ours(name: str, workload: Workload) -> LangChainContender:
    """Build the contender of our LangChain integration."""
    from langchain_shared_ollama import ChatSharedOllama, SharedOllamaEmbeddings

    return LangChainContender(
        name, workload, chat_class=ChatSharedOllama, embeddings_class=SharedOllamaEmbeddings
    )


def floor(name: str, workload: Workload) -> LangChainContender:
    """Build the LangChain floor (no I/O, no embeddings)."""
    from contenders._langchain_floor import FloorChatModel

    return LangChainContender(name, workload, chat_class=FloorChatModel, embeddings_class=None)
