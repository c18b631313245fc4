"""A fast canned Ollama-protocol server on loopback, for measuring the cost of clients.

Run it as its own process so that its work never counts in the client's CPU time::

    python benchmarks/canned_server.py [--host 127.0.0.1] [--port SPEC] [--paced]

It prints its base URL (``http://HOST:PORT``) on the first line of stdout once it listens, and
serves until SIGINT or SIGTERM. ``--port`` takes a number, ``0`` (any free port) or a range
``LO-HI`` (the first free port in it); its default comes from the environment variable
``SHARED_OLLAMA_BENCH_PORTS``, else ``0``.

The server speaks HTTP/1.1 with keep-alive, written by hand on ``asyncio.Protocol``: it parses
the request head, reads ``Content-Length`` bytes of body, and writes reply bytes built once and
cached by :mod:`_canned_replies` (see there how many tokens and rows a reply has). A streamed
reply goes out as one write (the client still receives one HTTP chunk per NDJSON line); with
``--paced`` each chunk is written in its own event-loop turn, closer to a real Ollama that sends
one token at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator

from _canned_replies import CannedReplies, Reply

__all__ = ["PORTS_VARIABLE", "default_port_spec", "main", "parse_port_spec", "serve"]

PORTS_VARIABLE = "SHARED_OLLAMA_BENCH_PORTS"
"""Environment variable holding the default port spec of every server the benchmarks start."""

_MAX_HEAD = 65_536


def default_port_spec() -> str:
    """Return the port spec from ``SHARED_OLLAMA_BENCH_PORTS``, or ``"0"`` when unset."""
    return os.environ.get(PORTS_VARIABLE, "").strip() or "0"


def parse_port_spec(spec: str) -> range:
    """Turn a port spec into the ports to try, in order.

    Args:
        spec: ``"0"``, ``"PORT"`` or ``"LO-HI"`` (inclusive).

    Returns:
        The candidate ports (``range(0, 1)`` lets the system choose).

    Raises:
        ValueError: The spec is not one of those forms or is out of 0-65535.
    """
    low_text, _, high_text = spec.partition("-")
    try:
        low = int(low_text)
        high = int(high_text) if high_text else low
    except ValueError:
        raise ValueError(
            f"port spec {spec!r} is not PORT or LO-HI: pass e.g. 0, 12300 or 12300-12399"
        ) from None
    if not 0 <= low <= high <= 65_535:
        raise ValueError(f"port spec {spec!r} is out of order or out of 0-65535: pass LO <= HI")
    return range(low, high + 1)


_OPEN: set[_Connection] = set()
"""Connections currently open, closed at shutdown."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection: parses requests as bytes arrive and writes canned replies."""

    def __init__(self, replies: CannedReplies, *, paced: bool) -> None:
        self._replies = replies
        self._paced = paced
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._queue: deque[bytes] = deque()
        self._close_after_queue = False
        self._pumping = False

    def abort(self) -> None:
        """Drop the connection at once (server shutdown)."""
        if self._transport is not None:
            self._transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        _OPEN.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        _OPEN.discard(self)
        self._transport = None
        self._queue.clear()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        for reply, keep_alive in self._parse_requests():
            self._send(reply)
            if not keep_alive:
                self._finish()
                return

    def _parse_requests(self) -> Iterator[tuple[Reply, bool]]:
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > _MAX_HEAD:
                    yield self._replies.error_reply(400, "request head too large"), False
                return
            head = bytes(self._buffer[:end]).decode("latin-1")
            request_line, *header_lines = head.split("\r\n")
            parts = request_line.split(" ")
            headers: dict[str, str] = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if len(parts) != 3:
                yield self._replies.error_reply(400, "malformed request line"), False
                return
            if "chunked" in headers.get("transfer-encoding", "").lower():
                message = "chunked request bodies are not supported: send Content-Length"
                yield self._replies.error_reply(411, message), False
                return
            length = int(headers.get("content-length", "0") or "0")
            total = end + 4 + length
            if len(self._buffer) < total:
                return
            body = bytes(self._buffer[end + 4 : total])
            del self._buffer[:total]
            method, target, version = parts
            keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
            yield self._replies.respond(method, target, body, keep_alive=keep_alive), keep_alive

    def _send(self, reply: Reply) -> None:
        if not self._paced:
            if self._transport is not None:
                self._transport.write(reply.joined)
            return
        self._queue.extend(reply.pieces)
        if not self._pumping:
            self._pumping = True
            asyncio.get_running_loop().call_soon(self._pump)

    def _pump(self) -> None:
        if self._transport is None:
            self._pumping = False
            return
        if self._queue:
            self._transport.write(self._queue.popleft())
            asyncio.get_running_loop().call_soon(self._pump)
            return
        self._pumping = False
        if self._close_after_queue:
            self._transport.close()

    def _finish(self) -> None:
        if self._pumping:
            self._close_after_queue = True
        elif self._transport is not None:
            self._transport.close()


async def serve(host: str, ports: range, *, paced: bool = False) -> None:
    """Listen on the first free port of ``ports``, print the base URL, and serve until stopped.

    Args:
        host: Interface to bind (keep it on loopback).
        ports: Candidate ports, tried in order.
        paced: Write each stream chunk in its own event-loop turn.

    Raises:
        OSError: No port of ``ports`` could be bound.
    """
    loop = asyncio.get_running_loop()
    replies = CannedReplies()
    last_error: OSError | None = None
    for port in ports:
        try:
            server = await loop.create_server(
                lambda: _Connection(replies, paced=paced), host, port, backlog=1024
            )
            break
        except OSError as exc:
            last_error = exc
    else:
        raise OSError(f"no free port in {ports.start}-{ports.stop - 1} on {host}: {last_error}")
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"http://{host}:{bound}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    server.close()
    # Python 3.12+ waits in wait_closed() for every open connection; clients may keep theirs
    # alive, so close them here rather than hang at shutdown.
    for connection in list(_OPEN):
        connection.abort()
    await asyncio.wait_for(server.wait_closed(), timeout=5)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the server."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (loopback)")
    parser.add_argument(
        "--port",
        default=default_port_spec(),
        help=f"0, PORT or LO-HI (default: ${PORTS_VARIABLE}, else 0)",
    )
    parser.add_argument("--paced", action="store_true", help="one event-loop turn per chunk")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, parse_port_spec(args.port), paced=args.paced))


if __name__ == "__main__":
    main()
