"""The replay server's limits, each against a misbehaving client on a raw socket.

Connections beyond ``max_connections`` are refused with a 503 instead of a new thread each;
a connection that sends nothing for ``idle_timeout`` is closed; a body over ``max_body_bytes``
is refused with a 413 before it is read.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared_ollama.testing._replay_server import ReplayServer

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cassettes"
BOUND_S = 20.0  # how long a test waits for the server before failing; never a measured time


def _connect(server: ReplayServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=BOUND_S)


def _read_reply(raw: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    pieces = []
    with contextlib.suppress(ConnectionResetError):
        while piece := raw.recv(65536):
            pieces.append(piece)
    return b"".join(pieces)


@pytest.fixture
def open_sockets() -> Iterator[list[socket.socket]]:
    """Raw sockets the test opened, closed at the end."""
    sockets: list[socket.socket] = []
    yield sockets
    for raw in sockets:
        raw.close()


def test_replay_limits_refuse_connections_beyond_the_cap(open_sockets: list[socket.socket]) -> None:
    """Two silent connections hold both places; a third gets a 503 at once.

    Once they are gone, a new client is served again.
    """
    with ReplayServer(FIXTURES, max_connections=2, idle_timeout=BOUND_S * 3) as server:
        open_sockets.extend(_connect(server) for _ in range(2))
        with httpx.Client(timeout=BOUND_S) as client:
            refused = client.get(f"{server.url}/api/version")
            assert refused.status_code == 503
            assert "max_connections" in refused.json()["error"]
            for raw in open_sockets:
                raw.close()
            for _ in range(int(BOUND_S * 20)):  # the server notices the closes promptly
                reply = client.get(f"{server.url}/api/version", headers={"Connection": "close"})
                if reply.status_code == 200:
                    break
            assert reply.status_code == 200


def _exchange(server: ReplayServer, sockets: list[socket.socket], *pieces: bytes) -> bytes:
    """Send raw bytes on a new connection; everything the server sends until it closes it."""
    raw = _connect(server)
    sockets.append(raw)
    for piece in pieces:
        raw.sendall(piece)
    return _read_reply(raw)


def test_replay_limits_close_an_idle_connection(open_sockets: list[socket.socket]) -> None:
    """A client that connects and sends nothing is disconnected after idle_timeout."""
    with ReplayServer(FIXTURES, idle_timeout=0.2) as server:
        assert _exchange(server, open_sockets) == b""  # closed by the server, well before BOUND_S


def test_replay_limits_close_a_kept_alive_connection_left_idle(
    open_sockets: list[socket.socket],
) -> None:
    """After a complete exchange, a kept-alive connection left silent is closed too."""
    with ReplayServer(FIXTURES, idle_timeout=0.2) as server:
        reply = _exchange(server, open_sockets, b"GET /api/version HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200")
    assert b"0.5.4" in reply


def test_replay_limits_refuse_a_declared_body_over_the_cap(
    open_sockets: list[socket.socket],
) -> None:
    """A Content-Length over max_body_bytes gets a 413 without the body being read."""
    head = b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n{"
    with ReplayServer(FIXTURES, max_body_bytes=1024) as server:
        reply = _exchange(server, open_sockets, head)
    assert reply.startswith(b"HTTP/1.1 413")
    assert b"max_body_bytes" in reply


def test_replay_limits_refuse_a_chunked_body_over_the_cap(
    open_sockets: list[socket.socket],
) -> None:
    """A chunked body that grows past max_body_bytes gets a 413 as soon as it does."""
    head = b"POST /api/chat HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"x" * 800
    with ReplayServer(FIXTURES, max_body_bytes=1024) as server:
        reply = _exchange(server, open_sockets, head, b"%X\r\n%s\r\n" % (len(chunk), chunk) * 2)
    assert reply.startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize("length", [b"-5", b"lots", b"1e3"])
def test_replay_limits_reject_a_malformed_content_length(
    length: bytes, open_sockets: list[socket.socket]
) -> None:
    """A Content-Length that is not a non-negative integer is a 400."""
    head = b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n"
    with ReplayServer(FIXTURES) as server:
        reply = _exchange(server, open_sockets, head)
    assert reply.startswith(b"HTTP/1.1 400")


def test_replay_limits_are_checked_when_built() -> None:
    """Limits must be positive; the error names the argument."""
    for name in ("max_connections", "idle_timeout", "max_body_bytes"):
        with pytest.raises(ValueError, match=name):
            ReplayServer(FIXTURES, **{name: 0})
