"""Offline replay of recorded Ollama traffic, and recording it: vcrpy cassettes as an Ollama API.

:class:`ReplayServer` loads every cassette (``*.yaml``, ``*.yml``, ``*.json``) under a folder and
answers on loopback like an Ollama server, from background threads, so any client (ours,
``ollama``, ``langchain-ollama``, ``curl``) in any process runs offline against what was
recorded. What to answer is decided by :class:`~shared_ollama.testing._replay_book.ReplayBook` (the
matching rule is :mod:`shared_ollama.testing._matching`); a request that matches nothing gets
the cassette-miss reply of :mod:`shared_ollama.testing._miss`.

With a record mode other than ``none`` and an ``upstream``, it is a recording proxy: what the
mode says to record is forwarded to the real Ollama by
:class:`~shared_ollama.testing._recorder.Recorder`, relayed to the client as it arrives, and
written to a cassette.

Replies recorded as NDJSON (``application/x-ndjson``) are re-sent line by line with chunked
transfer encoding, the way Ollama streams. Every reply carries ``X-Shared-Ollama-Replay``:
``1`` when replayed, ``recorded`` when forwarded, ``miss`` for a miss.

The server protects itself from broken or hostile clients: at most ``max_connections``
connections are served at once (one thread each; more get a 503), a connection silent for
``idle_timeout`` seconds is closed, and a request body over ``max_body_bytes`` gets a 413
before it is read.

The HTTP side is :mod:`shared_ollama.testing._replay_http`; ``shared-ollama replay --cassettes
DIR [--record MODE --upstream URL]`` (:mod:`shared_ollama.testing._replay_cli`) runs one in the
foreground.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from types import TracebackType

from shared_ollama.testing._cassette_file import RecordMode
from shared_ollama.testing._recorder import Recorder, check_mode
from shared_ollama.testing._replay_book import (
    CASSETTE_SUFFIXES,
    DEFAULT_REPLAY_VERSION,
    DEFAULT_UPSTREAM,
    RECORD_COMMAND,
    ReplayBook,
    load_cassettes,
)
from shared_ollama.testing._replay_http import REPLAY_HEADER, ReplayHTTPServer

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_PORT",
    "RECORDED_FILE",
    "REPLAY_HEADER",
    "ReplayServer",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 0
"""Port 0 lets the system pick a free port (read it back from :attr:`ReplayServer.url`)."""
DEFAULT_MAX_CONNECTIONS = 32
"""Connections served at once, one thread each; more are answered 503 and closed."""
DEFAULT_IDLE_TIMEOUT = 60.0
"""Seconds a connection may stay silent (before or between requests) before it is closed."""
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
"""Largest request body accepted (Ollama requests with images can be tens of megabytes)."""
RECORDED_FILE = "recorded.yaml"
"""Where recordings go inside a cassettes folder, unless told otherwise."""

_logger = logging.getLogger("shared_ollama.replay")
_POLL_INTERVAL = 0.05  # seconds between shutdown checks of the serving thread


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {value!r}")


class ReplayServer:
    """Serves recorded cassettes as an Ollama HTTP API from a background thread; records too.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with ReplayServer("cassettes/") as replay:
            ollama.Client(host=replay.url).chat(...)

        # record what is not recorded yet, from a real Ollama
        with ReplayServer("cassettes/", record="once", upstream="http://127.0.0.1:11434") as rec:
            ollama.Client(host=rec.url).chat(...)

    Args:
        cassettes_dir: A folder of vcrpy cassettes (read recursively), or one cassette file.
            When recording it need not exist yet.
        host: The address to listen on; keep the default loopback address.
        port: The port; :data:`DEFAULT_PORT` (0) picks a free one.
        version: What ``GET /api/version`` answers when no cassette recorded it.
        record: The record mode: ``none`` (replay only), ``once``, ``new_episodes`` or ``all``
            (see :data:`~shared_ollama.testing._cassette_file.RECORD_MODES`).
        upstream: Base URL of the real Ollama that recording forwards to (needed to record).
        record_to: The cassette file recordings go to (default: ``cassettes_dir`` itself when
            it is a file, else :data:`RECORDED_FILE` inside it).
        record_command: The command a cassette miss tells the user to run (default: the
            ``shared-ollama replay`` command that records into ``cassettes_dir``).
        max_connections: Connections served at once; more are answered 503.
        idle_timeout: Seconds a connection may stay silent before it is closed.
        max_body_bytes: The largest request body accepted; larger ones get a 413.
        missing_ok: Serve no recordings (every request a miss) when ``cassettes_dir`` does not
            exist, instead of failing to start; recording never needs it to exist.

    Raises:
        ValueError: An unknown record mode, recording without an upstream, or a limit that
            is not positive.
    """

    __slots__ = (
        "_book",
        "_cassettes_dir",
        "_host",
        "_limits",
        "_missing_ok",
        "_port",
        "_record",
        "_record_command",
        "_record_to",
        "_recorder",
        "_server",
        "_thread",
        "_upstream",
        "_version",
    )

    def __init__(
        self,
        cassettes_dir: str | Path,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        version: str = DEFAULT_REPLAY_VERSION,
        record: RecordMode = "none",
        upstream: str | None = None,
        record_to: str | Path | None = None,
        record_command: str | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        missing_ok: bool = False,
    ) -> None:
        self._record = check_mode(record)
        if record != "none" and not upstream:
            raise ValueError(
                f"record={record!r} needs an upstream: the base URL of a real Ollama to "
                "record from (for example upstream='http://127.0.0.1:11434')"
            )
        for name, limit in (
            ("max_connections", max_connections),
            ("idle_timeout", idle_timeout),
            ("max_body_bytes", max_body_bytes),
        ):
            _positive(name, limit)
        self._cassettes_dir = Path(cassettes_dir)
        self._host = host
        self._port = port
        self._version = version
        self._upstream = upstream
        if record_to is None:
            is_file = self._cassettes_dir.suffix in CASSETTE_SUFFIXES
            record_to = self._cassettes_dir if is_file else self._cassettes_dir / RECORDED_FILE
        self._record_to = Path(record_to)
        self._record_command = record_command
        self._limits = (max_connections, idle_timeout, max_body_bytes)
        self._missing_ok = missing_ok
        self._book: ReplayBook | None = None
        self._recorder: Recorder | None = None
        self._server: ReplayHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "not running"
        count = self.interaction_count
        return (
            f"ReplayServer({str(self._cassettes_dir)!r}, {where}, interactions={count}, "
            f"record={self._record!r})"
        )

    @property
    def cassettes_dir(self) -> Path:
        """The folder (or file) the cassettes come from."""
        return self._cassettes_dir

    @property
    def record_mode(self) -> RecordMode:
        """The record mode in force."""
        return self._record

    @property
    def record_command(self) -> str:
        """The command a cassette miss tells the user to run."""
        if self._record_command is not None:
            return self._record_command
        return RECORD_COMMAND.format(
            cassettes=self._cassettes_dir, upstream=self._upstream or DEFAULT_UPSTREAM
        )

    def use_cassette(
        self, path: str | Path, *, record: RecordMode | None = None, command: str | None = None
    ) -> None:
        """Record into ``path`` from now on, and name ``command`` in misses.

        The pytest plugin calls this before each test, so that each test records into a
        cassette of its own while the whole folder is replayed.

        Args:
            path: The cassette file for recordings.
            record: A new record mode (default: keep the current one).
            command: The command misses name from now on (default: keep the current one).

        Raises:
            ValueError: Recording without an upstream, or an unknown mode.
        """
        mode = check_mode(record) if record is not None else self._record
        if mode != "none" and not self._upstream:
            raise ValueError(f"record={mode!r} needs an upstream (a real Ollama's base URL)")
        self._record, self._record_to = mode, Path(path)
        if command is not None:
            self._record_command = command
        self._apply_recording()

    def _apply_recording(self) -> None:
        server = self._server
        if server is None:
            return
        server.record_command = self.record_command
        if self._record == "none":
            server.recorder = None
            return
        if self._recorder is None:
            assert self._upstream is not None  # checked by __init__ and use_cassette
            self._recorder = Recorder(self._upstream, mode=self._record, cassette=self._record_to)
        else:
            self._recorder.use(self._record_to, mode=self._record)
        server.recorder = self._recorder

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
        book = load_cassettes(
            self._cassettes_dir,
            version=self._version,
            missing_ok=self._missing_ok or self._record != "none",
        )
        max_connections, idle_timeout, max_body_bytes = self._limits
        try:
            server = ReplayHTTPServer(
                (self._host, self._port),
                book,
                max_connections=max_connections,
                idle_timeout=idle_timeout,
                max_body_bytes=max_body_bytes,
            )
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
        server.cassettes_dir = self._cassettes_dir
        self._book, self._server, self._thread = book, server, thread
        self._apply_recording()
        thread.start()
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
        if self._recorder is not None:
            self._recorder.close()
            self._recorder = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
