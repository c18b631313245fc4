"""Offline replay of recorded Ollama traffic: vcrpy cassettes served as an Ollama HTTP API.

:class:`ReplayServer` loads every cassette (``*.yaml``, ``*.yml``, ``*.json``) under a folder and
answers on loopback like an Ollama server, so any client (ours, ``ollama``, ``langchain-ollama``,
``curl``) runs offline against what was recorded. The decisions live in :class:`ReplayBook`,
which needs no network:

* a request matches a recording on method, path and query (scheme, host and port are ignored)
  and body, compared as JSON (key order and spacing do not matter) or byte for byte when either
  side is not JSON;
* several recordings of one request are served in order, then the last one again and again;
* ``GET /`` and ``GET /api/version`` have built-in answers when nothing was recorded for them;
* anything else gets HTTP 501 with an ``error`` naming the request, which every Ollama client
  raises as a response error.

Replies recorded as NDJSON (``application/x-ndjson``) are re-sent line by line with chunked
transfer encoding, the way Ollama streams. Every reply carries ``X-Shared-Ollama-Replay: 1``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import functools
import io
import ipaddress
import json
import logging
import socket
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = [
    "CASSETTE_SUFFIXES",
    "DEFAULT_CLI_PORT",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEFAULT_REPLAY_VERSION",
    "RECORD_HINT",
    "REPLAY_HEADER",
    "ReplayBook",
    "ReplayReply",
    "ReplayServer",
    "configure_replay_parser",
    "load_cassettes",
    "run_replay",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 0
"""Port 0 lets the system pick a free port (read it back from :attr:`ReplayServer.url`)."""
DEFAULT_CLI_PORT = 11434
"""``shared-ollama replay`` listens where clients look for Ollama by default."""
DEFAULT_REPLAY_VERSION = "0.0.0-replay"
REPLAY_HEADER = "X-Shared-Ollama-Replay"
RECORD_HINT = "record one with scripts/record_cassettes.py"
CASSETTE_SUFFIXES = (".yaml", ".yml", ".json")

_logger = logging.getLogger("shared_ollama.replay")
_BODY_SHOWN = 300  # characters of an unmatched body quoted in the 501 error
_POLL_INTERVAL = 0.05  # seconds between shutdown checks of the serving thread
# Framing and per-exchange headers are never replayed: the server writes its own.
_DROPPED_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "date", "server"}
)
_JSON = (("Content-Type", "application/json; charset=utf-8"),)


@dataclass(frozen=True, slots=True)
class ReplayReply:
    """One reply to send.

    Attributes:
        status: HTTP status code.
        reason: HTTP reason phrase (empty for the standard one).
        headers: Recorded headers to send, minus framing headers.
        body: The whole body.
        streamed: Whether to send the body line by line with chunked transfer encoding.
    """

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    streamed: bool = False

    def chunks(self) -> list[bytes]:
        """The pieces to send: one per NDJSON line when streamed, else the whole body."""
        if not self.streamed:
            return [self.body] if self.body else []
        return [line for line in self.body.splitlines(keepends=True) if line.strip()]


@dataclass(frozen=True, slots=True)
class _Interaction:
    method: str
    target: str
    body_key: str | bytes
    body_json: Any
    reply: ReplayReply


def _target(uri: str) -> str:
    """The path and sorted query of a URI or request target; scheme, host and port dropped."""
    parts = urlsplit(uri)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return (parts.path or "/") + (f"?{query}" if query else "")


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_NOT_JSON = object()


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        return _NOT_JSON
    try:
        return json.loads(body)
    except ValueError:  # includes UnicodeDecodeError
        return _NOT_JSON


def _body_key(parsed: Any, body: bytes) -> str | bytes:
    """A hashable key equal for equal JSON documents, else the raw bytes."""
    if parsed is _NOT_JSON:
        return body if body.strip() else b""
    return json.dumps(_canonical(parsed), sort_keys=True, separators=(",", ":"))


def _to_bytes(value: Any) -> bytes:
    """A recorded body as bytes: vcrpy stores text, bytes (``!!binary``) or ``{string: ...}``."""
    if isinstance(value, dict):
        if "base64_string" in value:  # the layout of Ruby VCR's binary bodies
            return base64.b64decode(value["base64_string"])
        value = value.get("string")
    if hasattr(value, "getvalue"):  # a BytesIO request body written by old vcrpy versions
        value = value.getvalue()
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"a body of type {type(value).__name__} is not one vcrpy writes")


def _headers(value: Any) -> list[tuple[str, str]]:
    """Recorded headers as pairs; vcrpy stores each value as a list, older cassettes as text."""
    return [
        (str(name), str(item))
        for name, values in dict(value or {}).items()
        for item in (values if isinstance(values, (list, tuple)) else [values])
    ]


def _interaction(raw: Any) -> _Interaction:
    request, response = raw["request"], raw["response"]
    body = _to_bytes(request.get("body"))
    parsed = _parse_json(body)
    status = response.get("status") or {}
    headers = _headers(response.get("headers"))
    lowered = {name.lower(): item.lower() for name, item in headers}
    streamed = "ndjson" in lowered.get("content-type", "") and "content-encoding" not in lowered
    reply = ReplayReply(
        status=int(status.get("code", 200)),
        reason=str(status.get("message") or ""),
        headers=tuple((k, v) for k, v in headers if k.lower() not in _DROPPED_HEADERS),
        body=_to_bytes(response.get("body")),
        streamed=streamed,
    )
    return _Interaction(
        method=str(request["method"]).upper(),
        target=_target(str(request["uri"])),
        body_key=_body_key(parsed, body),
        body_json=parsed,
        reply=reply,
    )


@functools.cache
def _yaml_loader() -> Any:
    """A safe YAML loader that also reads the harmless Python tags old vcrpy versions wrote."""
    try:
        import yaml  # noqa: PLC0415 (optional: only replay needs it)
    except ImportError as exc:
        raise ImportError(
            "Reading YAML cassettes needs PyYAML: `pip install pyyaml` "
            "(it comes with vcrpy and with the shared-ollama[testing] extra)."
        ) from exc
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader: Any = type("_CassetteLoader", (base,), {})
    for tag in ("python/str", "python/unicode"):
        loader.add_constructor(
            f"tag:yaml.org,2002:{tag}", lambda ld, node: ld.construct_scalar(node)
        )
    loader.add_constructor(
        "tag:yaml.org,2002:python/tuple", lambda ld, node: tuple(ld.construct_sequence(node))
    )
    return functools.partial(yaml.load, Loader=loader)


def _read_cassette(path: Path) -> list[_Interaction]:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else _yaml_loader()(text)
    except ImportError:
        raise
    except Exception as exc:
        raise ValueError(f"{path} is not valid {path.suffix[1:].upper()}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise ValueError(  # noqa: TRY004 (a file's content is wrong, not an argument's type)
            f"{path} is not a vcrpy cassette: it has no 'interactions' list; "
            f"re-record it ({RECORD_HINT.replace('record one', 'for example')})."
        )
    interactions: list[_Interaction] = []
    try:
        for raw in data["interactions"]:
            interactions.append(_interaction(raw))  # noqa: PERF401 (its length names the bad one)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(
            f"{path}: interaction {len(interactions)} is not in vcrpy's format "
            f"({type(exc).__name__}: {exc}); fix it by hand or re-record the cassette."
        ) from exc
    return interactions


def _differing_keys(recorded: Any, sent: Any) -> list[str]:
    if not isinstance(recorded, dict) or not isinstance(sent, dict):
        return ["body"]
    keys = sorted(set(recorded) | set(sent))
    return [key for key in keys if _canonical(recorded.get(key)) != _canonical(sent.get(key))]


class ReplayBook:
    """Recorded interactions, indexed for matching; thread-safe and free of I/O.

    Args:
        interactions: The interactions, in recording order (from :func:`load_cassettes`).
        version: What ``GET /api/version`` answers when no cassette recorded it.
    """

    __slots__ = ("_by_key", "_by_target", "_count", "_lock", "_served", "_version")

    def __init__(
        self, interactions: Iterable[_Interaction], *, version: str = DEFAULT_REPLAY_VERSION
    ) -> None:
        self._by_key: dict[tuple[str, str, str | bytes], list[ReplayReply]] = {}
        self._by_target: dict[tuple[str, str], list[Any]] = {}
        self._served: dict[tuple[str, str, str | bytes], int] = {}
        self._lock = threading.Lock()
        self._version = version
        self._count = 0
        for item in interactions:
            self._by_key.setdefault((item.method, item.target, item.body_key), []).append(
                item.reply
            )
            self._by_target.setdefault((item.method, item.target), []).append(item.body_json)
            self._count += 1

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"ReplayBook(interactions={self._count}, version={self._version!r})"

    def rewind(self) -> None:
        """Start every sequence of repeated recordings from its first reply again."""
        with self._lock:
            self._served.clear()

    def reply(self, method: str, target: str, body: bytes) -> ReplayReply:
        """Decide the reply to one request.

        Args:
            method: The HTTP method.
            target: The request target (path and query; an absolute URI also works).
            body: The request body as sent.

        Returns:
            The recorded reply, a built-in one, or a 501 naming the unmatched request.
        """
        method, path = method.upper(), _target(target)
        parsed = _parse_json(body)
        key = (method, path, _body_key(parsed, body))
        replies = self._by_key.get(key)
        if replies:
            with self._lock:
                served = self._served.get(key, 0)
                self._served[key] = served + 1
            return replies[min(served, len(replies) - 1)]
        if method in ("GET", "HEAD") and path == "/":
            return ReplayReply(
                200, "", (("Content-Type", "text/plain; charset=utf-8"),), b"Ollama is running"
            )
        if method == "GET" and path == "/api/version":
            return ReplayReply(200, "", _JSON, json.dumps({"version": self._version}).encode())
        return self._unmatched(method, path, body, parsed)

    def _unmatched(self, method: str, path: str, body: bytes, parsed: Any) -> ReplayReply:
        text = body.decode("utf-8", errors="replace").strip()
        if len(text) > _BODY_SHOWN:
            text = text[:_BODY_SHOWN] + "..."
        shown = f"body {text}" if text else "no body"
        recorded = self._by_target.get((method, path), [])
        nearest = ""
        if recorded:
            differences = min((_differing_keys(other, parsed) for other in recorded), key=len)
            nearest = (
                f" (the closest of {len(recorded)} recorded for {method} {path} differs in "
                f"{', '.join(differences)})"
            )
        message = (
            f"replay: no recorded interaction for {method} {path} with {shown}{nearest}; "
            f"{RECORD_HINT}"
        )
        return ReplayReply(501, "Not Implemented", _JSON, json.dumps({"error": message}).encode())


def load_cassettes(path: str | Path, *, version: str = DEFAULT_REPLAY_VERSION) -> ReplayBook:
    """Load one cassette, or every cassette under a folder (recursively, in path order).

    Args:
        path: A folder of cassettes, or one cassette file.
        version: What ``GET /api/version`` answers when no cassette recorded it.

    Returns:
        The book of interactions.

    Raises:
        FileNotFoundError: Nothing exists at ``path``.
        ValueError: A file is not a vcrpy cassette; the message names it.
        ImportError: A YAML cassette was found but PyYAML is not installed.
    """
    root = Path(path)
    if root.is_file():
        files = [root]
    elif root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.suffix in CASSETTE_SUFFIXES and p.is_file())
    else:
        raise FileNotFoundError(
            f"No cassettes at {root}: pass the folder that holds them, or {RECORD_HINT}."
        )
    interactions: list[_Interaction] = []
    for file in files:
        interactions.extend(_read_cassette(file))
    return ReplayBook(interactions, version=version)


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
            self._send(ReplayReply(400, "", _JSON, json.dumps(message).encode()))
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


def _wait(stop: threading.Event | None) -> None:
    event = stop if stop is not None else threading.Event()
    restore: Any = None
    if stop is None and threading.current_thread() is threading.main_thread():
        import signal  # noqa: PLC0415 (only the foreground command needs it)

        restore = signal.signal(signal.SIGTERM, lambda *_: event.set())
    try:
        while not event.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if restore is not None:
            import signal  # noqa: PLC0415

            signal.signal(signal.SIGTERM, restore)


def run_replay(args: argparse.Namespace, *, stop: threading.Event | None = None) -> int:
    """Run ``shared-ollama replay``: serve cassettes in the foreground until Ctrl-C or SIGTERM.

    Args:
        args: Parsed arguments (``cassettes``, ``host``, ``port``, ``json``).
        stop: Ends serving when set (tests pass one; the command waits for a signal).

    Returns:
        0 after a clean stop, 1 when the address cannot be listened on, 2 when the cassettes
        cannot be read.
    """
    server = ReplayServer(args.cassettes, host=args.host, port=args.port)
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
        if getattr(args, "json", False):
            line = {
                "url": server.url,
                "cassettes": str(server.cassettes_dir),
                "interactions": server.interaction_count,
                "replay": True,
            }
            sys.stdout.write(json.dumps(line) + "\n")
        else:
            sys.stdout.write(
                f"Replaying {server.interaction_count} recorded interactions from "
                f"{server.cassettes_dir} at {server.url} (a replay, not a live Ollama). "
                "Press Ctrl-C to stop.\n"
            )
        sys.stdout.flush()
        _wait(stop)
    finally:
        server.stop()
    return 0
