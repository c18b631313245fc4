"""The pure core of the offline replay: reading vcrpy cassettes and deciding each reply.

A :class:`ReplayBook` holds the recorded interactions and decides, without any I/O, what to
answer to a request:

* a request matches a recording on method, path and query (scheme, host and port are ignored)
  and body, compared as JSON or byte for byte when either side is not JSON;
* JSON bodies are compared as Ollama reads them: key order and spacing do not matter, ``1.0``
  equals ``1``, and a key whose value is ``null``, ``[]`` or ``{}`` counts as absent (so the
  official client's ``"tools": []`` matches a recording made by a client that leaves it out);
* several recordings of one request are served in order, then the last one again and again;
* ``GET /``, ``GET /api/version`` and ``GET /api/ps`` (nothing loaded) have built-in answers
  when nothing was recorded for them;
* anything else gets HTTP 501 with an ``error`` naming the request (and, when the path was
  recorded with other bodies, the keys in which the closest one differs).

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
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = [
    "CASSETTE_SUFFIXES",
    "DEFAULT_REPLAY_VERSION",
    "JSON_HEADERS",
    "RECORD_HINT",
    "ReplayBook",
    "ReplayReply",
    "load_cassettes",
    "same_body",
]

DEFAULT_REPLAY_VERSION = "0.0.0-replay"
"""What ``GET /api/version`` answers when no cassette recorded it."""
RECORD_HINT = "record one with scripts/record_cassettes.sh"
CASSETTE_SUFFIXES = (".yaml", ".yml", ".json")
JSON_HEADERS = (("Content-Type", "application/json; charset=utf-8"),)

_EMPTY: tuple[Any, ...] = (None, [], {})  # what Ollama reads as "not given"
_BODY_SHOWN = 300  # characters of an unmatched body quoted in the 501 error
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
    """Equal for equivalent JSON: 1.0 is 1, and a key whose value is null, [] or {} is absent."""
    if isinstance(value, dict):
        items = ((key, _canonical(item)) for key, item in value.items())
        return {key: item for key, item in items if item not in _EMPTY}
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


def same_body(first: bytes | None, second: bytes | None) -> bool:
    """Whether two request bodies ask Ollama the same thing, by the rule replay matches with.

    JSON bodies are compared as documents: key order, ``1.0`` vs ``1`` and a key whose value is
    ``null``, ``[]`` or ``{}`` versus an absent key (Ollama reads them alike) do not matter.
    Other bodies must be equal bytes.
    """
    first, second = first or b"", second or b""
    return _body_key(_parse_json(first), first) == _body_key(_parse_json(second), second)


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
        return self._built_in(method, path) or self._unmatched(method, path, body, parsed)

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
        return ReplayReply(
            501, "Not Implemented", JSON_HEADERS, json.dumps({"error": message}).encode()
        )


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
    # Built per call, never cached: a cached loader would outlive a re-imported PyYAML.
    load_yaml = _yaml_loader() if any(file.suffix != ".json" for file in files) else None
    interactions: list[_Interaction] = []
    for file in files:
        interactions.extend(_read_cassette(file, None if file.suffix == ".json" else load_yaml))
    return ReplayBook(interactions, version=version)
