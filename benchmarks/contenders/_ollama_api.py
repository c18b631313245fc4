"""Clients with the ``ollama.Client`` API: the official one and ours, driven by the same code.

Because ``shared_ollama.SharedOllamaClient`` is a drop-in twin of ``ollama.Client``, one class
runs both; only the client classes differ.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from _cases import CHAT, CONCURRENT, EMBED, STREAM, Workload

__all__ = ["OllamaApi", "official", "ours"]

_TIMEOUT = 120.0


class OllamaApi:
    """Calls through a client with ``ollama.Client``'s methods and return shapes.

    Args:
        name: Name in the report.
        workload: The workload.
        client: The sync client.
        async_client: The async client.
    """

    def __init__(self, name: str, workload: Workload, *, client: Any, async_client: Any) -> None:
        self.name = name
        self._workload = workload
        self._client = client
        self._async_client = async_client
        self._texts = workload.texts()

    def __repr__(self) -> str:
        return f"OllamaApi(name={self.name!r}, client={type(self._client).__name__})"

    def calls(self) -> dict[str, tuple[Callable[[], Any], bool]]:
        """Return ``case -> (call, is_async)``."""
        return {
            CHAT: (self.chat, False),
            STREAM: (self.stream, False),
            EMBED: (self.embed, False),
            CONCURRENT: (self.chat_concurrent, True),
        }

    def _messages(self) -> list[dict[str, str]]:
        return [{"role": "user", "content": self._workload.prompt}]

    def chat(self) -> str:
        """Send one non-streaming chat and return the reply text."""
        response = self._client.chat(self._workload.model, messages=self._messages())
        return str(response.message.content)

    def stream(self) -> str:
        """Stream one chat and return the concatenated text of its chunks."""
        parts = [
            chunk.message.content
            for chunk in self._client.chat(
                self._workload.model,
                messages=self._messages(),
                stream=True,
                options={"num_predict": self._workload.stream_tokens},
            )
        ]
        return "".join(parts)

    def embed(self) -> tuple[int, int]:
        """Embed the workload's texts in one call; return ``(rows, dimensions)``."""
        embeddings = self._client.embed(self._workload.model, input=self._texts).embeddings
        return len(embeddings), len(embeddings[0])

    async def _achat(self) -> str:
        response = await self._async_client.chat(self._workload.model, messages=self._messages())
        return str(response.message.content)

    async def chat_concurrent(self) -> list[str]:
        """Run the workload's number of chats at once; return their texts."""
        return list(
            await asyncio.gather(*(self._achat() for _ in range(self._workload.concurrency)))
        )

    async def aclose(self) -> None:
        """Close both clients (``close()``, and ``aclose()`` or awaitable ``close()``)."""
        close = getattr(self._client, "close", None)
        if close is not None:
            close()
        aclose = getattr(self._async_client, "aclose", None) or getattr(
            self._async_client, "close", None
        )
        if aclose is not None:
            result = aclose()
            if asyncio.iscoroutine(result):
                await result


def official(name: str, workload: Workload) -> OllamaApi:
    """Build the contender of the official ``ollama`` client."""
    import ollama

    return OllamaApi(
        name,
        workload,
        client=ollama.Client(host=workload.base_url, timeout=_TIMEOUT),
        async_client=ollama.AsyncClient(host=workload.base_url, timeout=_TIMEOUT),
    )


def ours(name: str, workload: Workload) -> OllamaApi:
    """Build the contender of our core client."""
    from shared_ollama import AsyncSharedOllamaClient, SharedOllamaClient

    return OllamaApi(
        name,
        workload,
        client=SharedOllamaClient(host=workload.base_url, timeout=_TIMEOUT),
        async_client=AsyncSharedOllamaClient(host=workload.base_url, timeout=_TIMEOUT),
    )
