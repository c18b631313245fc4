"""One async client serves any number of event loops (asyncio.run per request, pytest loops)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable

import orjson

from shared_ollama import AsyncSharedOllamaClient

from .conftest import Behaviour, HostileServer, Request, Wire

Start = Callable[[Behaviour], HostileServer]
CHAT = orjson.dumps({"model": "m", "message": {"role": "assistant", "content": "Hi"}, "done": True})


def slow_reply(request: Request, wire: Wire) -> None:
    """A complete chat reply after 0.05 s, so concurrent calls queue behind the in-flight cap."""
    wire.wait(0.05)
    wire.whole(200, CHAT, {"content-type": "application/json"})


def test_async_client_works_from_several_asyncio_runs_after_queueing(hostile: Start) -> None:
    """Calls that queued for a slot in one loop do not break the client in the next loops."""
    server = hostile(slow_reply)
    client = AsyncSharedOllamaClient(server.url, max_in_flight=1)

    async def burst() -> list[str]:
        replies = await asyncio.gather(*(client.chat("m", []) for _ in range(4)))
        return [reply.message.content for reply in replies]

    for _ in range(3):  # each asyncio.run is a new loop; the first queued 3 calls on a Lock
        assert asyncio.run(burst()) == ["Hi"] * 4
    assert server.count("POST", "/api/chat") == 12


def test_async_client_closes_each_loops_connections_when_that_loop_ends(hostile: Start) -> None:
    """The pooled connections of a finished loop are closed with it, not leaked to the next."""
    server = hostile(slow_reply)
    client = AsyncSharedOllamaClient(server.url)

    async def one() -> object:
        await client.chat("m", [])
        return client._client

    first = asyncio.run(one())
    second = asyncio.run(one())
    assert first is not second
    assert first.is_closed  # type: ignore[attr-defined]
    assert second.is_closed  # type: ignore[attr-defined]
    gc.collect()
    assert client._http.values() == []


def test_async_client_in_one_loop_keeps_one_transport(hostile: Start) -> None:
    """Within one loop every call shares one httpx client and its connection pool."""
    server = hostile(slow_reply)

    async def run() -> bool:
        async with AsyncSharedOllamaClient(server.url) as client:
            await client.chat("m", [])
            transport = client._client
            await client.chat("m", [])
            return client._client is transport

    assert asyncio.run(run())
