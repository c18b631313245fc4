"""Deadlines that hold and no retry once a reply began, against a misbehaving loopback server."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from shared_ollama import (
    AsyncSharedOllamaClient,
    ReplyLimits,
    ReplyTooLargeError,
    RequestTimeoutError,
    ServerError,
    SharedOllamaClient,
    StreamInterruptedError,
    TimeoutPolicy,
)

from .conftest import Behaviour, HostileServer, Request, Wire

Start = Callable[[Behaviour], HostileServer]
CHAT = orjson.dumps({"model": "m", "message": {"role": "assistant", "content": "Hi"}, "done": True})


def call(url: str, mode: str, *, stream: bool = False, **kwargs: Any) -> Any:
    """One chat with the sync or async client; a stream is consumed to its end."""
    if mode == "sync":
        with SharedOllamaClient(url, **kwargs) as client:
            reply = client.chat("m", [], stream=stream)
            return list(reply) if stream else reply

    async def run() -> Any:
        async with AsyncSharedOllamaClient(url, **kwargs) as client:
            reply = await client.chat("m", [], stream=stream)
            return [chunk async for chunk in reply] if stream else reply

    return asyncio.run(run())


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Each fault against the sync and the async client."""
    return str(request.param)


def trickle(request: Request, wire: Wire) -> None:
    """A non-streamed 200 whose 100-byte body comes one byte every 0.2 s (20 s in all)."""
    wire.head(200, {"content-type": "application/json", "content-length": "100"})
    for _ in range(100):
        if not (wire.send(b" ") and wire.wait(0.2)):
            return


def test_total_is_a_deadline_for_a_trickling_non_streamed_reply(mode: str, hostile: Start) -> None:
    """``total=1`` ends a body that trickles for 20 s: phase ``total``, one POST, no retry."""
    server = hostile(trickle)
    with pytest.raises(RequestTimeoutError) as caught:
        call(server.url, mode, timeout=TimeoutPolicy(total=1.0))
    assert caught.value.phase == "total"
    assert caught.value.timeout == 1.0
    assert server.count("POST", "/api/chat") == 1


def test_non_stream_ceiling_ends_a_trickling_reply_by_default(mode: str, hostile: Start) -> None:
    """Without ``total``, the non-streamed ceiling (``non_stream``) still ends it: phase ``reply``."""
    server = hostile(trickle)
    with pytest.raises(RequestTimeoutError, match="non_stream") as caught:
        call(server.url, mode, timeout=TimeoutPolicy(non_stream=1.0))
    assert caught.value.phase == "reply"
    assert server.count("POST", "/api/chat") == 1


def test_total_is_a_deadline_for_an_endless_stream(mode: str, hostile: Start) -> None:
    """A stream of tiny chunks without ``done`` ends at ``total`` (opt-in for streams)."""
    message = {"role": "assistant", "content": "a"}
    line = orjson.dumps({"model": "m", "message": message, "done": False}) + b"\n"

    def endless(request: Request, wire: Wire) -> None:
        wire.head()
        while wire.chunk(line) and wire.wait(0.05):
            pass

    server = hostile(endless)
    with pytest.raises(RequestTimeoutError) as caught:
        call(server.url, mode, stream=True, timeout=TimeoutPolicy(total=1.0))
    assert caught.value.phase == "total"
    assert server.count("POST", "/api/chat") == 1


def test_stall_after_headers_before_the_body_is_between_chunks(mode: str, hostile: Start) -> None:
    """Headers, then nothing: the limit that ran out is ``between_chunks``, not ``first_byte``."""

    def stall(request: Request, wire: Wire) -> None:
        wire.head()
        wire.wait(30)

    server = hostile(stall)
    with pytest.raises(RequestTimeoutError) as caught:
        call(server.url, mode, stream=True, timeout=TimeoutPolicy(between_chunks=0.5))
    assert caught.value.phase == "between_chunks"
    assert caught.value.timeout == 0.5
    assert "may still be loading" not in str(caught.value)
    assert server.count("POST", "/api/chat") == 1


@pytest.mark.parametrize(
    "body",
    [CHAT[:-5], b'{"model": "m", "message": "not an object", "done": true}'],
    ids=["truncated JSON", "wrong shape"],
)
def test_complete_200_reply_that_fails_to_parse_is_not_retried(
    mode: str, hostile: Start, body: bytes
) -> None:
    """A finished generation whose reply cannot be parsed is an error, and runs only once."""

    def reply(request: Request, wire: Wire) -> None:
        wire.whole(200, body, {"content-type": "application/json"})

    server = hostile(reply)
    with pytest.raises(ServerError):
        call(server.url, mode)
    assert server.count("POST", "/api/chat") == 1


def test_connection_cut_in_the_middle_of_a_200_body_is_not_retried(
    mode: str, hostile: Start
) -> None:
    """Half a body, then the connection drops: interrupted, one POST (the work was done)."""

    def cut(request: Request, wire: Wire) -> None:
        wire.head(200, {"content-type": "application/json", "content-length": str(len(CHAT))})
        wire.send(CHAT[:10])
        wire.closed = True  # the server closes the socket after this behaviour returns

    server = hostile(cut)
    with pytest.raises(StreamInterruptedError):
        call(server.url, mode)
    assert server.count("POST", "/api/chat") == 1


def test_a_busy_503_is_still_retried_once(mode: str, hostile: Start) -> None:
    """A refusal is not a reply: a queue-full 503 is retried, then the reply is read."""
    answers = [b'{"error": "server busy, please try again.  maximum pending requests exceeded"}']

    def busy_then_ok(request: Request, wire: Wire) -> None:
        if answers:
            wire.whole(503, answers.pop(), {"content-type": "application/json"})
        else:
            wire.whole(200, CHAT, {"content-type": "application/json"})

    server = hostile(busy_then_ok)
    assert call(server.url, mode).message.content == "Hi"
    assert server.count("POST", "/api/chat") == 2


def test_gzip_bomb_stops_at_max_reply_bytes(mode: str, hostile: Start) -> None:
    """A small gzip body that inflates to 64 MB stops at the reply limit, never in memory whole."""
    bomb = gzip.compress(b"{" + b" " * (64 * 1024 * 1024) + b"}", compresslevel=9)
    assert len(bomb) < 100_000

    def reply(request: Request, wire: Wire) -> None:
        headers = {"content-type": "application/json", "content-encoding": "gzip"}
        wire.whole(200, bomb, headers)

    server = hostile(reply)
    with pytest.raises(ReplyTooLargeError) as caught:
        call(server.url, mode, limits=ReplyLimits(max_reply_bytes=4 * 1024 * 1024))
    assert (caught.value.limit, caught.value.maximum) == ("max_reply_bytes", 4 * 1024 * 1024)
    assert server.count("POST", "/api/chat") == 1
