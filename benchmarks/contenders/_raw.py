"""The reference: ``httpx`` and the standard ``json`` module, and nothing else.

It does the least a correct client must: encode the request body on every call, check the
status, decode every byte of the reply and reach the fields a caller wants.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx

from _cases import CHAT, CONCURRENT, EMBED, STREAM, Workload

__all__ = ["RawHttpx", "build"]

_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
_TIMEOUT = httpx.Timeout(120.0)


def _checked(response: httpx.Response) -> httpx.Response:
    if response.status_code != 200:
        raise RuntimeError(f"canned server answered {response.status_code}: {response.text}")
    return response


class RawHttpx:
    """Raw ``httpx.Client``/``httpx.AsyncClient`` calls with ``json.dumps``/``json.loads``.

    Args:
        name: Name in the report.
        workload: The workload.
    """

    def __init__(self, name: str, workload: Workload) -> None:
        self.name = name
        self._workload = workload
        self._client = httpx.Client(base_url=workload.base_url, timeout=_TIMEOUT)
        self._async_client = httpx.AsyncClient(base_url=workload.base_url, timeout=_TIMEOUT)
        self._texts = workload.texts()

    def __repr__(self) -> str:
        return f"RawHttpx(name={self.name!r})"

    def calls(self) -> dict[str, tuple[Callable[[], Any], bool]]:
        """Return ``case -> (call, is_async)``."""
        return {
            CHAT: (self.chat, False),
            STREAM: (self.stream, False),
            EMBED: (self.embed, False),
            CONCURRENT: (self.chat_concurrent, True),
        }

    def _chat_body(self, *, stream: bool, options: dict[str, Any] | None = None) -> bytes:
        body: dict[str, Any] = {
            "model": self._workload.model,
            "messages": [{"role": "user", "content": self._workload.prompt}],
            "stream": stream,
        }
        if options:
            body["options"] = options
        return json.dumps(body).encode()

    def chat(self) -> str:
        """Send one non-streaming chat and return the reply text."""
        response = self._client.post(
            "/api/chat", content=self._chat_body(stream=False), headers=_HEADERS
        )
        return str(json.loads(_checked(response).content)["message"]["content"])

    def stream(self) -> str:
        """Stream one chat and return the concatenated text of its chunks."""
        body = self._chat_body(stream=True, options={"num_predict": self._workload.stream_tokens})
        with self._client.stream("POST", "/api/chat", content=body, headers=_HEADERS) as response:
            _checked(response)
            parts = [
                json.loads(line)["message"]["content"] for line in response.iter_lines() if line
            ]
        return "".join(parts)

    def embed(self) -> tuple[int, int]:
        """Embed the workload's texts in one request; return ``(rows, dimensions)``."""
        body = json.dumps({"model": self._workload.model, "input": self._texts}).encode()
        response = self._client.post("/api/embed", content=body, headers=_HEADERS)
        embeddings = json.loads(_checked(response).content)["embeddings"]
        return len(embeddings), len(embeddings[0])

    async def _achat(self) -> str:
        response = await self._async_client.post(
            "/api/chat", content=self._chat_body(stream=False), headers=_HEADERS
        )
        return str(json.loads(_checked(response).content)["message"]["content"])

    async def chat_concurrent(self) -> list[str]:
        """Run the workload's number of chats at once; return their texts."""
        return list(
            await asyncio.gather(*(self._achat() for _ in range(self._workload.concurrency)))
        )

    async def aclose(self) -> None:
        """Close both clients."""
        self._client.close()
        await self._async_client.aclose()


def build(name: str, workload: Workload) -> RawHttpx:
    """Build the reference contender."""
    return RawHttpx(name, workload)
