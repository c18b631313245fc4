"""A misbehaving HTTP server on loopback, scripted per test, for the fault tests.

Each connection is served by a thread: the request head and body are read and recorded, then
the test's ``behaviour(request, wire)`` writes whatever it likes (slowly, endlessly, truncated,
compressed) through :class:`Wire`. ``GET /api/ps`` (which streams ask first) answers an empty
listing unless the behaviour handles it.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest


@dataclass
class Request:
    """One request the server received."""

    method: str
    path: str
    body: bytes


class Wire:
    """Raw writes to one client connection; every write ignores a client that went away."""

    def __init__(self, conn: socket.socket, stop: threading.Event) -> None:
        self._conn = conn
        self.stop = stop
        self.closed = False

    def send(self, data: bytes) -> bool:
        """Write bytes; ``False`` once the client has gone (or the server stops)."""
        if self.closed or self.stop.is_set():
            return False
        try:
            self._conn.sendall(data)
        except OSError:
            self.closed = True
            return False
        return True

    def head(self, status: int = 200, headers: dict[str, str] | None = None) -> bool:
        """Send a status line and headers (chunked transfer unless a length is given)."""
        fields = {"content-type": "application/x-ndjson", **(headers or {})}
        if "content-length" not in fields:
            fields["transfer-encoding"] = "chunked"
        text = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
        return self.send((text + "\r\n").encode())

    def chunk(self, data: bytes) -> bool:
        """Send one HTTP chunk (``b""`` ends the body)."""
        return self.send(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def whole(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> bool:
        """Send a complete reply with a content length."""
        return self.head(
            status, {"content-length": str(len(body)), **(headers or {})}
        ) and self.send(body)

    def wait(self, seconds: float) -> bool:
        """Pause (ends early when the server stops); ``False`` if it stopped."""
        return not self.stop.wait(seconds)


Behaviour = Callable[[Request, Wire], None]


@dataclass
class HostileServer:
    """A loopback server that runs ``behaviour`` for every request and records them all."""

    behaviour: Behaviour
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def count(self, method: str, path: str) -> int:
        """How many requests of this method and path arrived."""
        return sum(r.method == method and r.path == path for r in self.requests)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            buffer = b""
            while not self._stop.is_set():
                try:
                    while b"\r\n\r\n" not in buffer:
                        data = conn.recv(65536)
                        if not data:
                            return
                        buffer += data
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    lines = head.decode("latin-1").split("\r\n")
                    method, path, _ = lines[0].split(" ", 2)
                    length = 0
                    for line in lines[1:]:
                        name, _, value = line.partition(":")
                        if name.strip().lower() == "content-length":
                            length = int(value.strip())
                    while len(buffer) < length:
                        data = conn.recv(65536)
                        if not data:
                            return
                        buffer += data
                    body, buffer = buffer[:length], buffer[length:]
                except OSError:
                    return
                request = Request(method, path, body)
                self.requests.append(request)
                wire = Wire(conn, self._stop)
                if method == "GET" and path == "/api/ps":
                    wire.whole(200, b'{"models": []}', {"content-type": "application/json"})
                else:
                    self.behaviour(request, wire)
                if wire.closed:
                    return

    def close(self) -> None:
        """Stop serving and wait for every connection thread."""
        self._stop.set()
        self._listener.close()
        self._accepting.join(5)
        for thread in self._threads:
            thread.join(5)


@pytest.fixture
def hostile() -> Iterator[Callable[[Behaviour], HostileServer]]:
    """Start misbehaving loopback servers for one test; all are stopped after it."""
    servers: list[HostileServer] = []

    def start(behaviour: Behaviour) -> HostileServer:
        server = HostileServer(behaviour)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
