"""The HTTP side of the replay server: one handler thread per connection, within limits.

:class:`ReplayHTTPServer` accepts connections; :class:`ReplayHandler` reads each request
(refusing a body over the limit or badly framed), asks the server's
:class:`~shared_ollama.testing._replay_book.ReplayBook` for the reply, or relays the request to
the real Ollama through the server's :class:`~shared_ollama.testing._recorder.Recorder`.
:class:`~shared_ollama.testing._replay_server.ReplayServer` is the public face.

Why our own server and not a library's: the standard library's ``ThreadingHTTPServer`` speaks
HTTP/1.1 with chunked replies well enough for Ollama's protocol, adds no dependency to the
package, and leaves the limits below to a few lines each.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from shared_ollama.testing._recorder import Recorder, UpstreamError
from shared_ollama.testing._replay_book import JSON_HEADERS, ReplayBook, ReplayReply

__all__ = ["REPLAY_HEADER", "ReplayHTTPServer", "read_chunked"]

REPLAY_HEADER = "X-Shared-Ollama-Replay"
"""Sent with every reply: ``1`` when replayed, ``recorded`` when forwarded, ``miss`` for a miss."""

_logger = logging.getLogger("shared_ollama.replay")


class _TooLargeError(Exception):
    """A request body over the server's limit."""


def read_chunked(stream: io.BufferedIOBase, limit: int | None = None) -> bytes:
    """A chunked request body; :class:`_TooLargeError` as soon as it grows past ``limit``."""
    parts: list[bytes] = []
    total = 0
    while True:
        size = int(stream.readline(1024).split(b";", 1)[0].strip() or b"0", 16)
        if size < 0:
            raise ValueError("negative chunk size")
        if size == 0:
            while stream.readline(65537).strip():  # trailers, up to the blank line
                pass
            return b"".join(parts)
        total += size
        if limit is not None and total > limit:
            raise _TooLargeError(total)
        parts.append(stream.read(size))
        stream.readline(1024)


def _error(status: int, message: str) -> ReplayReply:
    return ReplayReply(status, "", JSON_HEADERS, json.dumps({"error": message}).encode())


class ReplayHandler(BaseHTTPRequestHandler):
    """Answers every method from the server's book, or forwards it to be recorded."""

    protocol_version = "HTTP/1.1"
    server_version = "shared-ollama-replay"
    server: ReplayHTTPServer

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        # StreamRequestHandler.setup applies ``timeout`` to the socket: the idle limit.
        self.timeout = self.server.idle_timeout  # type: ignore[misc]
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        _logger.debug("replay %s " + format, self.client_address[0], *args)

    def _read_body(self) -> bytes | None:
        """The request body, or ``None`` after answering a body that is too large or malformed."""
        limit = self.server.max_body_bytes
        too_large = (
            f"replay: the request body is over max_body_bytes ({limit} bytes); "
            "raise it with --max-body-bytes"
        )
        try:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                return read_chunked(self.rfile, limit)
            declared = (self.headers.get("Content-Length") or "0").strip()
            if not declared.isdigit():
                raise ValueError(declared)  # noqa: TRY301 (one answer for every framing error)
            length = int(declared)
            if length > limit:
                raise _TooLargeError(length)  # noqa: TRY301
        except _TooLargeError:
            self.close_connection = True  # the rest of the body is never read
            self._send(_error(413, too_large))
            return None
        except ValueError:
            self.close_connection = True
            self._send(_error(400, "replay: the request body is framed incorrectly"))
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _replay(self) -> None:
        body = self._read_body()
        if body is None:
            return
        server = self.server
        recorder = server.recorder
        found = server.book.lookup(self.command, self.path, body, built_in=recorder is None)
        if recorder is not None and recorder.forwards(matched=found is not None):
            self._forward(recorder, body)
            return
        if found is None:
            found = server.book.lookup(self.command, self.path, body)  # a built-in answer
        if found is not None:
            self._send(found)
            return
        miss = server.book.miss(
            self.command,
            self.path,
            body,
            cassettes=str(server.cassettes_dir),
            command=server.record_command,
        )
        self._send(miss, marker="miss")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _replay  # noqa: N815

    def _forward(self, recorder: Recorder, body: bytes) -> None:
        sink = _Relay(self)
        try:
            recorded = recorder.forward(self.command, self.path, self.headers.items(), body, sink)
        except UpstreamError as exc:
            self.close_connection = True
            if not sink.started:
                self._send(_error(502, f"replay: cannot record: {exc}"))
            return
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away mid-reply; nothing recorded
            return
        self.server.book.add(recorded)

    def _send(self, reply: ReplayReply, *, marker: str = "1") -> None:
        head_only = self.command == "HEAD"
        try:
            self.send_response(reply.status, reply.reason or None)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header(REPLAY_HEADER, marker)
            if not reply.streamed:
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if not head_only:
                    self.wfile.write(reply.body)
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if head_only:
                return
            for chunk in reply.chunks():
                self.wfile.write(b"%X\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away mid-reply


class _Relay:
    """Sends a reply being forwarded from the upstream to the handler's client as it arrives."""

    def __init__(self, handler: ReplayHandler) -> None:
        self._handler = handler
        self._chunked = False
        self._body = handler.command != "HEAD"
        self.started = False

    def head(
        self, status: int, reason: str, headers: list[tuple[str, str]], *, length: int | None
    ) -> None:
        handler = self._handler
        self.started = True
        self._chunked = length is None
        handler.send_response(status, reason or None)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header(REPLAY_HEADER, "recorded")
        if length is None:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.send_header("Content-Length", str(length))
        handler.end_headers()

    def piece(self, data: bytes) -> None:
        if not (data and self._body):
            return
        out = self._handler.wfile
        out.write(b"%X\r\n%s\r\n" % (len(data), data) if self._chunked else data)
        out.flush()

    def end(self) -> None:
        if self._chunked and self._body:
            self._handler.wfile.write(b"0\r\n\r\n")
        self._handler.wfile.flush()


_BUSY_REPLY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Connection: close\r\nContent-Length: %d\r\n\r\n%s"
)


class ReplayHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that caps its connections and knows them, so stop() can close them."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        book: ReplayBook,
        *,
        max_connections: int,
        idle_timeout: float,
        max_body_bytes: int,
    ) -> None:
        self.book = book
        self.recorder: Recorder | None = None
        self.cassettes_dir = Path()
        self.record_command: str | None = None
        self.idle_timeout = idle_timeout
        self.max_body_bytes = max_body_bytes
        self.max_connections = max_connections
        self._places = threading.BoundedSemaphore(max_connections)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, ReplayHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection on a thread of its own if a place is free, else refuse it."""
        if not self._places.acquire(blocking=False):
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._places.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._places.release()

    def _refuse(self, request: socket.socket) -> None:
        """Answer 503 on the accepting thread without reading the request, and close."""
        message = json.dumps(
            {
                "error": f"replay: already serving max_connections={self.max_connections} "
                "connections; close idle ones, or raise --max-connections"
            }
        ).encode()
        with contextlib.suppress(OSError):
            request.settimeout(1.0)  # never let one client stall the accepting thread
            request.sendall(_BUSY_REPLY % (len(message), message))
        self.shutdown_request(request)

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        _logger.debug("replay: error while answering %s", client_address, exc_info=True)
