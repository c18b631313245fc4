"""Pre-encoded Ollama 0.5.4 replies for the canned benchmark server (pure code, no I/O).

Every reply is built once, as the exact bytes to write on the socket (status line, headers,
body; for streams, one HTTP chunk per NDJSON line), and cached, so that serving a request
costs the server a dictionary look-up and one write. The bodies copy the field names and field
order of a real Ollama 0.5.4.

How many tokens a reply has:

* ``/api/chat`` and ``/api/generate``: ``options.num_predict`` from the request body, or
  :data:`DEFAULT_REPLY_TOKENS` when absent. A streamed reply is that many content chunks
  plus the final ``done: true`` chunk (empty content, with the statistics); a non-streamed
  reply carries the same text in one body. The text of ``n`` tokens is :func:`reply_text`.
* ``/api/embed``: one row of :data:`EMBEDDING_DIMENSIONS` floats per input (a string counts
  as one input).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

__all__ = [
    "CREATED_AT",
    "DEFAULT_MODEL",
    "DEFAULT_REPLY_TOKENS",
    "EMBEDDING_DIMENSIONS",
    "MAX_REPLY_TOKENS",
    "CannedReplies",
    "Reply",
    "reply_text",
    "reply_tokens",
]

DEFAULT_MODEL = "smollm2:135m"
"""The model name the canned server lists and that the benchmarks ask for."""

DEFAULT_REPLY_TOKENS = 32
"""Tokens in a chat or generate reply when the request sets no ``options.num_predict``."""

MAX_REPLY_TOKENS = 100_000
"""Largest ``num_predict`` honoured; larger values are clamped to it."""

EMBEDDING_DIMENSIONS = 768
"""Floats per embedding row (the size of a nomic-embed-text vector)."""

CREATED_AT = "2025-01-01T00:00:00.123456789Z"
"""The fixed ``created_at`` of every reply."""

_VERSION = "0.5.4"
_DIGEST = "4b944841b8a9f636676f65a420a35a3c88b6c525f7fb1748cd9ab7b1b0ff07ca"
_TOKENS = (
    " The", " sky", " looks", " blue", " because", " air", " scatters", " short",
    " wavelengths", " of", " sunlight", " more", " than", " long", " ones", ",",
    " an", " effect", " named", " after", " Lord", " Rayleigh", ".", " At",
    " sunset", " the", " light", " crosses", " more", " air", ",", " so",
)  # fmt: skip
_DISTINCT_ROWS = 64
_DETAILS: dict[str, Any] = {
    "parent_model": "",
    "format": "gguf",
    "family": "llama",
    "families": ["llama"],
    "parameter_size": "134.52M",
    "quantization_level": "Q4_1",
}
_LAST_CHUNK = b"0\r\n\r\n"


def reply_text(tokens: int) -> str:
    """Return the text the canned server replies with for ``tokens`` tokens.

    Args:
        tokens: Number of tokens, as in ``options.num_predict``.

    Returns:
        The concatenation of the first ``tokens`` canned tokens (cycling through them).
    """
    return "".join(_token(index) for index in range(tokens))


def reply_tokens(tokens: int) -> list[str]:
    """Return the ``tokens`` token strings of a reply, one per stream chunk, in order.

    Args:
        tokens: Number of tokens.

    Returns:
        The tokens whose concatenation is :func:`reply_text`.
    """
    return [_token(index) for index in range(tokens)]


def _token(index: int) -> str:
    return _TOKENS[index % len(_TOKENS)]


def _encode(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _stats(prompt_tokens: int, tokens: int) -> dict[str, int]:
    return {
        "total_duration": 1_234_567_890 + tokens * 12_345,
        "load_duration": 12_345_678,
        "prompt_eval_count": prompt_tokens,
        "prompt_eval_duration": 23_456_789,
        "eval_count": tokens,
        "eval_duration": 987_654_321 + tokens * 11_111,
    }


def _row(generator: random.Random, dimensions: int) -> str:
    return "[" + ",".join(f"{generator.gauss(0.0, 0.03):.10f}" for _ in range(dimensions)) + "]"


@dataclass(frozen=True, slots=True)
class Reply:
    """The bytes answering one request.

    Attributes:
        pieces: What to write, in order: the head plus body for a plain reply; the head, one
            piece per HTTP chunk and the terminating chunk for a stream.
        joined: All pieces as one bytes object, for writing in a single call.
    """

    pieces: tuple[bytes, ...]
    joined: bytes

    @classmethod
    def of(cls, pieces: Sequence[bytes]) -> Reply:
        """Build a reply from its pieces.

        Args:
            pieces: The pieces to write, in order.

        Returns:
            The reply, with its pieces joined once.
        """
        return cls(tuple(pieces), b"".join(pieces))


class CannedReplies:
    """Maps a request to its pre-encoded reply, caching each distinct reply.

    Args:
        model: Model name listed by ``/api/tags``, ``/api/ps`` and ``/api/show``.
        seed: Seed of the pseudo-random embedding values (the same seed gives the same bytes).
    """

    __slots__ = ("_cache", "_date", "_model", "_rows")

    def __init__(self, *, model: str = DEFAULT_MODEL, seed: int = 20250101) -> None:
        generator = random.Random(seed)
        self._model = model
        self._rows = tuple(_row(generator, EMBEDDING_DIMENSIONS) for _ in range(_DISTINCT_ROWS))
        self._date = formatdate(usegmt=True).encode()
        self._cache: dict[tuple[str, str, bool, int, bool], Reply] = {}

    def __repr__(self) -> str:
        return f"CannedReplies(model={self._model!r}, cached={len(self._cache)})"

    def respond(self, method: str, target: str, body: bytes, *, keep_alive: bool) -> Reply:
        """Return the reply to one request.

        Args:
            method: HTTP method, upper case.
            target: Request target (path and optional query).
            body: Request body (JSON for the POST routes).
            keep_alive: Whether the connection stays open after this reply.

        Returns:
            The reply to write.
        """
        path = target.split("?", 1)[0]
        try:
            request = json.loads(body) if body else {}
        except ValueError:
            return self._error(400, "invalid JSON in the request body", keep_alive=keep_alive)
        if not isinstance(request, dict):
            return self._error(400, "the request body must be a JSON object", keep_alive=keep_alive)
        model = str(request.get("model") or self._model)
        stream = request.get("stream", True) is not False
        if (method, path) in (("POST", "/api/chat"), ("POST", "/api/generate")):
            kind = path.rsplit("/", 1)[1]
            return self._cached((kind, model, stream, _num_predict(request), keep_alive))
        if (method, path) == ("POST", "/api/embed"):
            count = _input_count(request.get("input"))
            return self._cached(("embed", model, False, count, keep_alive))
        static = {
            ("POST", "/api/embeddings"): "embeddings",
            ("GET", "/api/tags"): "tags",
            ("POST", "/api/show"): "show",
            ("GET", "/api/ps"): "ps",
            ("GET", "/api/version"): "version",
            ("GET", "/"): "root",
            ("HEAD", "/"): "head",
        }.get((method, path))
        if static is None:
            return self._error(404, f"no canned reply for {method} {path}", keep_alive=keep_alive)
        return self._cached((static, model, False, 0, keep_alive))

    def _cached(self, key: tuple[str, str, bool, int, bool]) -> Reply:
        reply = self._cache.get(key)
        if reply is None:
            kind, model, stream, count, keep_alive = key
            reply = self._build(kind, model, stream=stream, count=count, keep_alive=keep_alive)
            self._cache[key] = reply
        return reply

    def _build(self, kind: str, model: str, *, stream: bool, count: int, keep_alive: bool) -> Reply:
        if kind in ("chat", "generate"):
            lines = _chat_lines(model, count) if kind == "chat" else _generate_lines(model, count)
            if stream:
                return self._stream(lines, keep_alive=keep_alive)
            whole = _chat_whole(model, count) if kind == "chat" else _generate_whole(model, count)
            return self._plain(200, "application/json; charset=utf-8", whole, keep_alive)
        if kind in ("root", "head"):
            reply = self._plain(200, "text/plain; charset=utf-8", b"Ollama is running", keep_alive)
            if kind == "head":
                head = reply.joined[: reply.joined.index(b"\r\n\r\n") + 4]
                return Reply.of([head])
            return reply
        bodies = {
            "embed": lambda: self._embed_body(model, count),
            "embeddings": lambda: b'{"embedding":' + self._rows[0].encode() + b"}",
            "tags": lambda: _encode({"models": [self._model_entry()]}),
            "show": lambda: _encode(self._show()),
            "ps": lambda: _encode({"models": [self._ps_entry()]}),
            "version": lambda: _encode({"version": _VERSION}),
        }
        return self._plain(200, "application/json; charset=utf-8", bodies[kind](), keep_alive)

    def _head(self, status: int, content_type: str, extra: bytes, keep_alive: bool) -> bytes:
        reason = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 411: b"Length Required"}
        connection = b"" if keep_alive else b"Connection: close\r\n"
        return b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nDate: %s\r\n%s%s\r\n" % (
            status,
            reason[status],
            content_type.encode(),
            self._date,
            connection,
            extra,
        )

    def _plain(self, status: int, content_type: str, body: bytes, keep_alive: bool) -> Reply:
        extra = b"Content-Length: %d\r\n" % len(body)
        return Reply.of([self._head(status, content_type, extra, keep_alive) + body])

    def _stream(self, lines: Sequence[bytes], *, keep_alive: bool) -> Reply:
        head = self._head(
            200, "application/x-ndjson", b"Transfer-Encoding: chunked\r\n", keep_alive
        )
        chunks = [b"%x\r\n%s\r\n" % (len(line), line) for line in lines]
        return Reply.of([head, *chunks, _LAST_CHUNK])

    def _error(self, status: int, message: str, *, keep_alive: bool) -> Reply:
        return self._plain(
            status, "application/json; charset=utf-8", _encode({"error": message}), keep_alive
        )

    def error_reply(self, status: int, message: str) -> Reply:
        """Return an error reply that closes the connection.

        Args:
            status: HTTP status (400, 404 or 411).
            message: Text of the ``error`` field.

        Returns:
            The reply to write before closing.
        """
        return self._error(status, message, keep_alive=False)

    def _embed_body(self, model: str, count: int) -> bytes:
        rows = ",".join(self._rows[index % _DISTINCT_ROWS] for index in range(count))
        tail = _encode(
            {"total_duration": 45_678_901, "load_duration": 1_234_567, "prompt_eval_count": count}
        )
        return b'{"model":%s,"embeddings":[%s],%s' % (_encode(model), rows.encode(), tail[1:])

    def _model_entry(self) -> dict[str, Any]:
        return {
            "name": self._model,
            "model": self._model,
            "modified_at": "2025-01-01T00:00:00.000000000Z",
            "size": 98_363_007,
            "digest": _DIGEST,
            "details": _DETAILS,
        }

    def _ps_entry(self) -> dict[str, Any]:
        return {
            "name": self._model,
            "model": self._model,
            "size": 249_394_944,
            "digest": _DIGEST,
            "details": _DETAILS,
            "expires_at": "2025-01-01T00:05:00.000000000Z",
            "size_vram": 0,
        }

    def _show(self) -> dict[str, Any]:
        template = (
            "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n"
            "{{ end }}<|im_start|>assistant\n"
        )
        return {
            "modelfile": f"FROM {self._model}\nTEMPLATE {json.dumps(template)}\n",
            "parameters": 'stop                           "<|im_end|>"',
            "template": template,
            "details": _DETAILS,
            "model_info": {
                "general.architecture": "llama",
                "general.parameter_count": 134_515_008,
                "llama.context_length": 8192,
                "llama.embedding_length": 576,
            },
            "modified_at": "2025-01-01T00:00:00.000000000Z",
        }


def _num_predict(request: dict[str, Any]) -> int:
    options = request.get("options")
    value = options.get("num_predict") if isinstance(options, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return min(value, MAX_REPLY_TOKENS)
    return DEFAULT_REPLY_TOKENS


def _input_count(value: object) -> int:
    if isinstance(value, list):
        return len(value)
    return 1


def _chat_lines(model: str, tokens: int) -> list[bytes]:
    lines = [
        _encode(
            {
                "model": model,
                "created_at": CREATED_AT,
                "message": {"role": "assistant", "content": _token(index)},
                "done": False,
            }
        )
        + b"\n"
        for index in range(tokens)
    ]
    final = {
        "model": model,
        "created_at": CREATED_AT,
        "message": {"role": "assistant", "content": ""},
        "done_reason": "stop",
        "done": True,
        **_stats(26, tokens),
    }
    return [*lines, _encode(final) + b"\n"]


def _chat_whole(model: str, tokens: int) -> bytes:
    return _encode(
        {
            "model": model,
            "created_at": CREATED_AT,
            "message": {"role": "assistant", "content": reply_text(tokens)},
            "done_reason": "stop",
            "done": True,
            **_stats(26, tokens),
        }
    )


def _context(tokens: int) -> list[int]:
    return [(index * 7919) % 49152 for index in range(26 + tokens)]


def _generate_lines(model: str, tokens: int) -> list[bytes]:
    lines = [
        _encode(
            {"model": model, "created_at": CREATED_AT, "response": _token(index), "done": False}
        )
        + b"\n"
        for index in range(tokens)
    ]
    final = {
        "model": model,
        "created_at": CREATED_AT,
        "response": "",
        "done": True,
        "done_reason": "stop",
        "context": _context(tokens),
        **_stats(26, tokens),
    }
    return [*lines, _encode(final) + b"\n"]


def _generate_whole(model: str, tokens: int) -> bytes:
    return _encode(
        {
            "model": model,
            "created_at": CREATED_AT,
            "response": reply_text(tokens),
            "done": True,
            "done_reason": "stop",
            "context": _context(tokens),
            **_stats(26, tokens),
        }
    )
