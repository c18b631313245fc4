"""Line and reply size limits against a loopback server that sends too much."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from shared_ollama import (
    AsyncSharedOllamaClient,
    ReplyLimits,
    ReplyTooLargeError,
    SharedOllamaClient,
    StreamInterruptedError,
)

from .conftest import Behaviour, HostileServer, Request, Wire

Start = Callable[[Behaviour], HostileServer]


def chat_line(text: str, *, done: bool = False) -> bytes:
    """One NDJSON chat chunk as Ollama writes it."""
    message = {"role": "assistant", "content": text}
    return orjson.dumps({"model": "m", "message": message, "done": done}) + b"\n"


def stream_chat(url: str, mode: str, **kwargs: Any) -> list[Any]:
    """Consume a streamed chat with the sync or async client; the chunks, or the exception."""
    if mode == "sync":
        with SharedOllamaClient(url, **kwargs) as client:
            return list(client.chat("m", [], stream=True))

    async def run() -> list[Any]:
        async with AsyncSharedOllamaClient(url, **kwargs) as client:
            return [chunk async for chunk in await client.chat("m", [], stream=True)]

    return asyncio.run(run())


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Each fault against the sync and the async client."""
    return str(request.param)


def test_endless_line_stops_at_the_default_line_limit_with_partial(
    mode: str, hostile: Start
) -> None:
    """Two chunks, then a line that never ends: ReplyTooLargeError at 16 MiB, text kept, no retry."""
    sent = 0

    def behaviour(request: Request, wire: Wire) -> None:
        nonlocal sent
        wire.head()
        wire.chunk(chat_line("Hel") + chat_line("lo"))
        wire.chunk(b'{"model": "m", "message": {"content": "')
        piece = b"x" * 65536
        while sent < 64 * 1024 * 1024 and wire.chunk(piece):
            sent += len(piece)

    server = hostile(behaviour)
    with pytest.raises(ReplyTooLargeError) as caught:
        stream_chat(server.url, mode)
    error = caught.value
    assert isinstance(error, StreamInterruptedError)
    assert (error.limit, error.maximum) == ("max_line_bytes", 16 * 1024 * 1024)
    assert error.partial == "Hello"
    assert error.chunks_received == 2
    assert "max_line_bytes" in str(error)
    assert server.count("POST", "/api/chat") == 1
    assert sent < 32 * 1024 * 1024  # the client stopped reading soon after the limit


def test_endless_stream_of_small_chunks_stops_at_max_reply_bytes(mode: str, hostile: Start) -> None:
    """Valid chunks without ``done`` forever: the reply cap ends it, with the text so far."""

    def behaviour(request: Request, wire: Wire) -> None:
        wire.head()
        while wire.chunk(chat_line("a") * 100):
            pass

    server = hostile(behaviour)
    with pytest.raises(ReplyTooLargeError) as caught:
        stream_chat(server.url, mode, limits=ReplyLimits(max_reply_bytes=1_000_000))
    error = caught.value
    assert error.limit == "max_reply_bytes"
    assert error.maximum == 1_000_000
    assert error.partial == "a" * error.chunks_received
    assert 9_000 < error.chunks_received < 20_000
    assert server.count("POST", "/api/chat") == 1


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (b"[1, 2]\n", "is list, not an object"),
        (
            b'{"model": "m", "message": "not an object", "done": false}\n',
            "does not match the /api/chat",
        ),
    ],
    ids=["JSON array", "object of the wrong shape"],
)
def test_misshapen_line_mid_stream_keeps_partial(
    mode: str, hostile: Start, bad: bytes, problem: str
) -> None:
    """A JSON line that is not a chat chunk after some chunks is an interruption with ``.partial``."""

    def behaviour(request: Request, wire: Wire) -> None:
        wire.head()
        wire.chunk(chat_line("Hi") + chat_line(" there") + bad + chat_line("!", done=True))
        wire.chunk(b"")

    server = hostile(behaviour)
    with pytest.raises(StreamInterruptedError, match=problem) as caught:
        stream_chat(server.url, mode)
    assert caught.value.partial == "Hi there"
    assert caught.value.chunks_received == 2
    assert server.count("POST", "/api/chat") == 1


@pytest.mark.parametrize("value", [0, -5])
def test_reply_limits_reject_a_limit_that_is_not_positive(value: int) -> None:
    """A limit of zero or less is misuse, named in the message."""
    with pytest.raises(ValueError, match=r"ReplyLimits\.max_reply_bytes"):
        ReplyLimits(max_reply_bytes=value)
