"""Offline replay of recorded Ollama traffic: vcrpy cassettes served as an Ollama HTTP API.

:class:`ReplayServer` loads every cassette (``*.yaml``, ``*.yml``, ``*.json``) under a folder and
answers on loopback like an Ollama server, from a background thread, so any client (ours,
``ollama``, ``langchain-ollama``, ``curl``) runs offline against what was recorded. What to
answer is decided by :class:`~shared_ollama.testing._replay_book.ReplayBook` (matching rules there);
this module only speaks HTTP.

Replies recorded as NDJSON (``application/x-ndjson``) are re-sent line by line with chunked
transfer encoding, the way Ollama streams. Every reply carries ``X-Shared-Ollama-Replay: 1``.
``shared-ollama replay --cassettes DIR --port P`` runs one in the foreground.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import ipaddress
import json
import logging
import socket
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from shared_ollama.testing._replay_book import (
    DEFAULT_REPLAY_VERSION,
    JSON_HEADERS,
    ReplayBook,
    ReplayReply,
    load_cassettes,
)

__all__ = [
    "DEFAULT_CLI_PORT",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "REPLAY_HEADER",
    "ReplayServer",
    "configure_replay_parser",
    "run_replay",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 0
"""Port 0 lets the system pick a free port (read it back from :attr:`ReplayServer.url`)."""
DEFAULT_CLI_PORT = 11434
"""``shared-ollama replay`` listens where clients look for Ollama by default."""
REPLAY_HEADER = "X-Shared-Ollama-Replay"

_logger = logging.getLogger("shared_ollama.replay")
_POLL_INTERVAL = 0.05  # seconds between shutdown checks of the serving thread


def _read_chunked(stream: io.BufferedIOBase) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int(stream.readline().split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline().strip():  # trailers, up to the blank line
                pass
            return b"".join(parts)
        parts.append(stream.read(size))
        stream.readline()


class _Handler(BaseHTTPRequestHandler):
    """Answers every method from the server's book."""

    protocol_version = "HTTP/1.1"
    server_version = "shared-ollama-replay"
    server: _HTTPServer

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        _logger.debug("replay %s " + format, self.client_address[0], *args)

    def _replay(self) -> None:
        try:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                body = _read_chunked(self.rfile)
            else:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length > 0 else b""
        except ValueError:
            message = {"error": "replay: the request body is framed incorrectly"}
            self._send(ReplayReply(400, "", JSON_HEADERS, json.dumps(message).encode()))
            return
        self._send(self.server.book.reply(self.command, self.path, body))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _replay  # noqa: N815

    def _send(self, reply: ReplayReply) -> None:
        head_only = self.command == "HEAD"
        try:
            self.send_response(reply.status, reply.reason or None)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header(REPLAY_HEADER, "1")
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


class _HTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its open connections, so stop() can close them."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], book: ReplayBook) -> None:
        self.book = book
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

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


class ReplayServer:
    """Serves recorded cassettes as an Ollama HTTP API from a background thread.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with ReplayServer("cassettes/") as replay:
            ollama.Client(host=replay.url).chat(...)

    Args:
        cassettes_dir: A folder of vcrpy cassettes (read recursively), or one cassette file.
        host: The address to listen on; keep the default loopback address.
        port: The port; :data:`DEFAULT_PORT` (0) picks a free one.
        version: What ``GET /api/version`` answers when no cassette recorded it.
    """

    __slots__ = ("_book", "_cassettes_dir", "_host", "_port", "_server", "_thread", "_version")

    def __init__(
        self,
        cassettes_dir: str | Path,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        version: str = DEFAULT_REPLAY_VERSION,
    ) -> None:
        self._cassettes_dir = Path(cassettes_dir)
        self._host = host
        self._port = port
        self._version = version
        self._book: ReplayBook | None = None
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "not running"
        count = self.interaction_count
        return f"ReplayServer({str(self._cassettes_dir)!r}, {where}, interactions={count})"

    @property
    def cassettes_dir(self) -> Path:
        """The folder (or file) the cassettes come from."""
        return self._cassettes_dir

    @property
    def running(self) -> bool:
        """Whether the server is listening."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The port listened on (the one picked when started with port 0)."""
        return self._server.server_address[1] if self._server is not None else self._port

    @property
    def url(self) -> str:
        """The base URL to give any Ollama client, such as ``http://127.0.0.1:43121``.

        Raises:
            RuntimeError: The server is not running.
        """
        if self._server is None:
            raise RuntimeError(
                "The replay server is not running: call start() or use it in a `with` block."
            )
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def interaction_count(self) -> int:
        """How many recorded interactions were loaded (0 before :meth:`start`)."""
        return len(self._book) if self._book is not None else 0

    def rewind(self) -> None:
        """Serve every repeated request's recordings from the first one again."""
        if self._book is not None:
            self._book.rewind()

    def start(self) -> ReplayServer:
        """Load the cassettes and start listening; a no-op when already running.

        Returns:
            The server itself.

        Raises:
            FileNotFoundError: There are no cassettes at ``cassettes_dir``.
            ValueError: A cassette is malformed; the message names it.
            OSError: The address cannot be listened on (for example the port is taken).
        """
        if self._server is not None:
            return self
        book = load_cassettes(self._cassettes_dir, version=self._version)
        try:
            server = _HTTPServer((self._host, self._port), book)
        except OSError as exc:
            raise OSError(
                exc.errno,
                f"The replay server cannot listen on {self._host}:{self._port} ({exc.strerror}); "
                "choose another port, or port 0 for a free one",
            ) from exc
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name=f"shared-ollama-replay:{server.server_address[1]}",
            daemon=True,
        )
        thread.start()
        self._book, self._server, self._thread = book, server, thread
        _logger.debug("replay: %d interactions served at %s", len(book), self.url)
        return self

    def stop(self) -> None:
        """Stop listening and close open connections; a no-op when not running."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def configure_replay_parser(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``shared-ollama replay`` to its parser.

    Args:
        parser: The sub-command's parser.
    """
    parser.add_argument(
        "--cassettes", required=True, metavar="DIR", help="folder of vcrpy cassettes, or one file"
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_CLI_PORT,
        help=f"port to listen on; 0 picks a free one (default {DEFAULT_CLI_PORT}, Ollama's own)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the address as one JSON line for scripts"
    )


@contextlib.contextmanager
def _stop_on_sigterm(stop: threading.Event) -> Iterator[None]:
    """Set ``stop`` on SIGTERM while inside (main thread only; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    import signal  # noqa: PLC0415 (only the foreground command needs it)

    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _announce(server: ReplayServer, *, as_json: bool) -> str:
    if as_json:
        line = {
            "url": server.url,
            "cassettes": str(server.cassettes_dir),
            "interactions": server.interaction_count,
            "replay": True,
        }
        return json.dumps(line) + "\n"
    return (
        f"Replaying {server.interaction_count} recorded interactions from "
        f"{server.cassettes_dir} at {server.url} (a replay, not a live Ollama). "
        "Press Ctrl-C to stop.\n"
    )


def run_replay(args: argparse.Namespace, *, stop: threading.Event | None = None) -> int:
    """Run ``shared-ollama replay``: serve cassettes in the foreground until Ctrl-C or SIGTERM.

    Args:
        args: Parsed arguments (``cassettes``, ``host``, ``port``, ``json``).
        stop: Ends serving when set (tests pass one; otherwise Ctrl-C or SIGTERM ends it).

    Returns:
        0 after a clean stop, 1 when the address cannot be listened on, 2 when the cassettes
        cannot be read.
    """
    event = stop if stop is not None else threading.Event()
    server = ReplayServer(args.cassettes, host=args.host, port=args.port)
    with _stop_on_sigterm(event):  # before listening, so no SIGTERM can arrive unhandled
        try:
            server.start()
        except (FileNotFoundError, ValueError, ImportError) as exc:
            sys.stderr.write(f"shared-ollama replay: {exc}\n")
            return 2
        except OSError as exc:
            sys.stderr.write(f"shared-ollama replay: {exc.strerror or exc}\n")
            return 1
        try:
            if not _is_loopback(args.host):
                sys.stderr.write(
                    f"WARNING: the replay server listens on {args.host}, not only on loopback: "
                    "anyone who can reach this machine can read the recorded responses.\n"
                )
            sys.stdout.write(_announce(server, as_json=bool(getattr(args, "json", False))))
            sys.stdout.flush()
            while not event.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass  # Ctrl-C is how a foreground server is meant to end
        finally:
            server.stop()
    return 0
