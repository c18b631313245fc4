"""The pure core of the offline replay: reading vcrpy cassettes and deciding each reply.

A :class:`ReplayBook` holds the recorded interactions and decides, without any I/O, what to
answer to a request:

* a request matches a recording by the one rule of :mod:`shared_ollama.testing._matching`
  (method, path, sorted query, and the body compared as Ollama reads JSON), the same rule our
  vcrpy configuration uses;
* several recordings of one request are served in order, then the last one again and again;
* ``GET /``, ``GET /api/version`` and ``GET /api/ps`` (nothing loaded) have built-in answers
  when nothing was recorded for them;
* anything else is a miss: :meth:`ReplayBook.reply` answers it as described in
  :mod:`shared_ollama.testing._miss` (HTTP 501, the request, the folder and the command that
  records it).

vcrpy stores a body as text, as bytes (YAML ``!!binary``, base64) or under ``{string: ...}``;
all are read. :mod:`shared_ollama.testing._replay_server` serves a book over HTTP.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared_ollama.testing._matching import (
    MatchKey,
    body_bytes,
    match_key,
    parse_json_body,
    request_target,
    same_body,
)
from shared_ollama.testing._miss import MISS_STATUS, describe_miss

__all__ = [
    "CASSETTE_SUFFIXES",
    "DEFAULT_REPLAY_VERSION",
    "JSON_HEADERS",
    "RECORD_COMMAND",
    "ReplayBook",
    "ReplayReply",
    "load_cassettes",
    "same_body",
]

DEFAULT_REPLAY_VERSION = "0.0.0-replay"
"""What ``GET /api/version`` answers when no cassette recorded it."""
RECORD_COMMAND = (
    "shared-ollama replay --cassettes {cassettes} --record new_episodes --upstream {upstream}"
)
"""How a miss tells the user to record, unless the server is given another command."""
DEFAULT_UPSTREAM = "http://127.0.0.1:11434"
CASSETTE_SUFFIXES = (".yaml", ".yml", ".json")
JSON_HEADERS = (("Content-Type", "application/json; charset=utf-8"),)

# Framing and per-exchange headers are never replayed: the server writes its own.
_DROPPED_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "date", "server"}
)


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
    key: MatchKey
    body_json: Any
    reply: ReplayReply


def _to_bytes(value: Any) -> bytes:
    """A recorded body as bytes: vcrpy stores text, bytes (``!!binary``) or ``{string: ...}``."""
    if isinstance(value, dict):
        if "base64_string" in value:  # the layout of Ruby VCR's binary bodies
            return base64.b64decode(value["base64_string"])
        value = value.get("string")
    return body_bytes(value)


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
        key=match_key(str(request["method"]), str(request["uri"]), body),
        body_json=parse_json_body(body),
        reply=reply,
    )


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
    return lambda text: yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)


def _read_cassette(path: Path, load_yaml: Callable[[str], Any] | None) -> list[_Interaction]:
    text = path.read_text(encoding="utf-8")
    try:
        data = load_yaml(text) if load_yaml is not None else json.loads(text)
    except Exception as exc:
        raise ValueError(f"{path} is not valid {path.suffix[1:].upper()}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise ValueError(  # noqa: TRY004 (a file's content is wrong, not an argument's type)
            f"{path} is not a vcrpy cassette: it has no 'interactions' list; re-record it "
            "(shared-ollama replay --record all, or pytest --shared-ollama-record=all)."
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
        self._by_key: dict[MatchKey, list[ReplayReply]] = {}
        self._by_target: dict[tuple[str, str], list[Any]] = {}
        self._served: dict[MatchKey, int] = {}
        self._lock = threading.Lock()
        self._version = version
        self._count = 0
        for item in interactions:
            self._index(item)

    def _index(self, item: _Interaction) -> None:
        self._by_key.setdefault(item.key, []).append(item.reply)
        self._by_target.setdefault((item.key.method, item.key.target), []).append(item.body_json)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"ReplayBook(interactions={self._count}, version={self._version!r})"

    def add(self, raw: Any) -> None:
        """Add one interaction in vcrpy's layout (a recording just made), served from now on.

        Raises:
            ValueError: It is not in vcrpy's layout.
        """
        try:
            item = _interaction(raw)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not an interaction in vcrpy's layout: {exc}") from exc
        with self._lock:
            self._index(item)

    def rewind(self) -> None:
        """Start every sequence of repeated recordings from its first reply again."""
        with self._lock:
            self._served.clear()

    def lookup(
        self, method: str, target: str, body: bytes, *, built_in: bool = True
    ) -> ReplayReply | None:
        """The recorded (or built-in) reply to a request, or ``None`` when nothing matches.

        Args:
            method: The HTTP method.
            target: The request target (path and query; an absolute URI also works).
            body: The request body as sent.
            built_in: Whether the built-in answers count (a recording proxy wants the real
                ones instead).
        """
        key = match_key(method, target, body)
        with self._lock:
            replies = self._by_key.get(key)
            if replies:
                served = self._served.get(key, 0)
                self._served[key] = served + 1
                return replies[min(served, len(replies) - 1)]
        return self._built_in(key.method, key.target) if built_in else None

    def reply(
        self,
        method: str,
        target: str,
        body: bytes,
        *,
        cassettes: str = "the cassettes",
        command: str | None = None,
    ) -> ReplayReply:
        """Decide the reply to one request: its recording, a built-in answer, or a miss.

        Args:
            method: The HTTP method.
            target: The request target (path and query; an absolute URI also works).
            body: The request body as sent.
            cassettes: Where the recordings came from, for the miss message.
            command: The command that records a missing request, for the miss message
                (default: :data:`RECORD_COMMAND` for ``cassettes``).
        """
        found = self.lookup(method, target, body)
        return (
            found
            if found is not None
            else self.miss(method, target, body, cassettes=cassettes, command=command)
        )

    def miss(
        self,
        method: str,
        target: str,
        body: bytes,
        *,
        cassettes: str = "the cassettes",
        command: str | None = None,
    ) -> ReplayReply:
        """The reply to a request no recording matches (see :mod:`shared_ollama.testing._miss`)."""
        path = request_target(target)
        with self._lock:
            recorded = list(self._by_target.get((method.upper(), path), []))
        if command is None:
            command = RECORD_COMMAND.format(cassettes=cassettes, upstream=DEFAULT_UPSTREAM)
        described = describe_miss(
            method, target, body, recorded_bodies=recorded, cassettes=cassettes, command=command
        )
        return ReplayReply(MISS_STATUS, "Not Implemented", JSON_HEADERS, described.body())

    def _built_in(self, method: str, path: str) -> ReplayReply | None:
        """The answers Ollama always has, for requests no cassette recorded."""
        if method in ("GET", "HEAD") and path == "/":
            text = (("Content-Type", "text/plain; charset=utf-8"),)
            return ReplayReply(200, "", text, b"Ollama is running")
        if method == "GET" and path == "/api/version":
            version = json.dumps({"version": self._version}).encode()
            return ReplayReply(200, "", JSON_HEADERS, version)
        if method == "GET" and path == "/api/ps":  # our client asks before a stream
            return ReplayReply(200, "", JSON_HEADERS, b'{"models":[]}')
        return None


def load_cassettes(
    path: str | Path, *, version: str = DEFAULT_REPLAY_VERSION, missing_ok: bool = False
) -> ReplayBook:
    """Load one cassette, or every cassette under a folder (recursively, in path order).

    Args:
        path: A folder of cassettes, or one cassette file.
        version: What ``GET /api/version`` answers when no cassette recorded it.
        missing_ok: Give an empty book when nothing exists at ``path`` (recording will
            create it) instead of raising.

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
    elif missing_ok:
        files = []
    else:
        raise FileNotFoundError(
            f"No cassettes at {root}: pass the folder that holds them, or record some with "
            f"`{RECORD_COMMAND.format(cassettes=root, upstream=DEFAULT_UPSTREAM)}`."
        )
    # Built per call, never cached: a cached loader would outlive a re-imported PyYAML.
    load_yaml = _yaml_loader() if any(file.suffix != ".json" for file in files) else None
    interactions: list[_Interaction] = []
    for file in files:
        interactions.extend(_read_cassette(file, None if file.suffix == ".json" else load_yaml))
    return ReplayBook(interactions, version=version)
