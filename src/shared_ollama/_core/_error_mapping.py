"""Translation of foreign failures into the shared-ollama error tree, at one boundary.

Pure functions: an HTTP status and body, an ``{"error": ...}`` stream line, or an ``httpx``
exception go in; one of our exceptions comes out, with a message that says what to do.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from shared_ollama._core._ndjson import OversizeError
from shared_ollama._errors import (
    CapabilityError,
    CassetteMissError,
    InvalidRequestError,
    ModelNotFoundError,
    OllamaUnavailableError,
    ReplyTooLargeError,
    RequestError,
    ResponseError,
    ServerBusyError,
    ServerError,
    SharedOllamaError,
    StreamInterruptedError,
    TimeoutPhase,
    TransportError,
    timeout_error,
)
from shared_ollama._host import mask_url
from shared_ollama._json import dumps, loads

__all__ = [
    "BUSY_STATUSES",
    "error_from_exception",
    "error_from_invalid_reply",
    "error_from_oversize",
    "error_from_status",
    "error_from_stream_line",
    "error_text",
]

BUSY_STATUSES = frozenset({429, 503})
"""Statuses that mean the server is overloaded (Ollama's queue is full)."""
_CAPABILITY = re.compile(r"does not support (\w+)")
_MISSING_MODEL = re.compile(r"model ['\"]?([^'\"]+?)['\"]? not found")


def error_text(body: bytes) -> str:
    """Ollama's error text: the ``error`` field of a JSON body, else the body itself, trimmed."""
    try:
        data = loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:2000]
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return str(data["error"])
    return body.decode("utf-8", "replace").strip()[:2000]


def _capability_error(
    status: int, text: str, capability: str, model: str | None, host: str
) -> CapabilityError:
    hint = {
        "tools": "choose a model whose template supports tools (e.g. llama3.1, qwen2.5) or drop `tools`",
        "thinking": "choose a thinking model (e.g. qwen3, deepseek-r1) or drop `think`",
        "insert": "choose a model that supports fill-in-the-middle or drop `suffix`",
        "vision": "choose a vision model (e.g. llava, gemma3) or drop `images`",
        "completion": "this is an embedding model: call embed() instead of chat()/generate()",
        "generate": "this is an embedding model: call embed() instead of chat()/generate()",
        "embedding": "choose an embedding model (e.g. nomic-embed-text) for embed()",
        "embeddings": "choose an embedding model (e.g. nomic-embed-text) for embed()",
    }.get(capability, f"choose a model that supports {capability}")
    who = f"Model {model!r}" if model else "The model"
    return CapabilityError(
        f"{who} does not support {capability} (Ollama at {host} said: {text!r}); {hint}.",
        status_code=status,
        error=text,
        capability=capability,
        model=model,
        host=host,
    )


_MISS_STATUS = 501  # the replay server's cassette miss; Ollama itself never answers 501


def _cassette_miss(body: bytes, host: str) -> CassetteMissError | None:
    """The replay server's cassette miss, when ``body`` is one."""
    from shared_ollama.testing._miss import miss_fields  # noqa: PLC0415 (rare: replay only)

    found = miss_fields(_MISS_STATUS, body)
    if found is None:
        return None
    message, fields = found
    return CassetteMissError(
        message,
        method=str(fields.get("method", "")),
        path=str(fields.get("path", "")),
        model=fields.get("model") if isinstance(fields.get("model"), str) else None,
        body_digest=str(fields.get("body_digest", "")),
        cassettes=str(fields.get("cassettes", "")),
        command=str(fields.get("command", "")),
        host=host,
    )


def error_from_status(
    status: int, body: bytes, *, model: str | None, host: str
) -> ResponseError | CassetteMissError:
    """The error for an HTTP error reply from Ollama (or from a replay server's miss).

    Args:
        status: The HTTP status code (>= 400).
        body: The reply body (JSON ``{"error": ...}`` or plain text).
        model: The model the call named, if any.
        host: The server's base URL.
    """
    if status == _MISS_STATUS:
        miss = _cassette_miss(body, host)
        if miss is not None:
            return miss
    text = error_text(body)
    if status == 404:
        missing = _MISSING_MODEL.search(text)
        if missing or (model and "not found" in text and model in text):
            name = missing.group(1) if missing else model
            return ModelNotFoundError(
                f"Model {name!r} is not on the Ollama server at {host}. Fetch it with "
                f"`ollama pull {name}` (or `shared-ollama pull {name}`), then retry.",
                status_code=status,
                error=text,
                model=name,
                host=host,
            )
        return ResponseError(
            f"Ollama at {host} answered 404 ({text!r}): the endpoint or resource does not exist. "
            "Check that the address points at Ollama itself and that its version is recent.",
            status_code=status,
            error=text,
            host=host,
        )
    capability = _CAPABILITY.search(text)
    if capability and 400 <= status < 500:
        return _capability_error(status, text, capability.group(1), model, host)
    if status in BUSY_STATUSES:
        return ServerBusyError(
            f"Ollama at {host} is busy (HTTP {status}: {text!r}); its queue is full "
            "(OLLAMA_MAX_QUEUE). Retry later, lower this process's concurrency, or raise "
            "OLLAMA_NUM_PARALLEL / OLLAMA_MAX_QUEUE on the server.",
            status_code=status,
            error=text,
            host=host,
        )
    if status >= 500:
        return ServerError(
            f"Ollama at {host} failed with HTTP {status}: {text!r}. The model runner may have "
            "crashed or run out of memory; check the server log (`shared-ollama status`).",
            status_code=status,
            error=text,
            host=host,
        )
    if status in (400, 422):
        return InvalidRequestError(
            f"Ollama at {host} rejected the request (HTTP {status}): {text!r}. Fix the arguments "
            "named in that message.",
            status_code=status,
            error=text,
            host=host,
        )
    return ResponseError(
        f"Ollama at {host} answered HTTP {status}: {text!r}.",
        status_code=status,
        error=text,
        host=host,
    )


def error_from_stream_line(
    line: dict[str, Any], *, partial: str, chunks_received: int, model: str | None, host: str
) -> SharedOllamaError:
    """The error for an ``{"error": ...}`` line inside a 200 stream.

    Before any chunk arrived the line is classified like an error status (so a missing model is
    still a :class:`ModelNotFoundError`); after one, it is a :class:`StreamInterruptedError`.
    """
    text = str(line.get("error"))
    if chunks_received == 0:
        status = 404 if _MISSING_MODEL.search(text) else 500
        if _CAPABILITY.search(text):
            status = 400
        return error_from_status(status, line_body(text), model=model, host=host)
    return StreamInterruptedError(
        f"Ollama at {host} reported an error after {chunks_received} chunk(s): {text!r}. The "
        "text received so far is in `.partial`; the call was not retried because output had "
        "already been delivered.",
        partial=partial,
        chunks_received=chunks_received,
        error=text,
        host=host,
    )


def line_body(text: str) -> bytes:
    """An error body as Ollama would send it, for re-classification."""
    return dumps({"error": text})


def _timeout_phase(exc: httpx.TimeoutException, *, received_bytes: bool) -> TimeoutPhase:
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect"
    if isinstance(exc, httpx.PoolTimeout):
        return "pool"
    if isinstance(exc, httpx.WriteTimeout):
        return "write"
    return "between_chunks" if received_bytes else "first_byte"


def _describe(exc: BaseException) -> str:
    """A foreign exception's text, with any credentials in an address it quotes hidden."""
    return mask_url(str(exc) or type(exc).__name__)


def error_from_exception(
    exc: Exception,
    *,
    host: str,
    model: str | None,
    received_bytes: bool = False,
    partial: str = "",
    chunks_received: int = 0,
    timeout: float | None = None,
) -> SharedOllamaError:
    """Map an ``httpx`` (or stream decoding) exception to our tree.

    Args:
        exc: The foreign exception.
        host: The server's base URL.
        model: The model of the call, if any.
        received_bytes: Whether any body byte had arrived (decides first-byte vs stream errors).
        partial: Text received so far, kept on a :class:`StreamInterruptedError`.
        chunks_received: Chunks received so far.
        timeout: The limit that applied to the phase that timed out, if known.
    """
    if isinstance(exc, SharedOllamaError):
        return exc
    if isinstance(exc, OversizeError):
        return error_from_oversize(exc, host=host, partial=partial, chunks_received=chunks_received)
    if isinstance(exc, httpx.TimeoutException):
        phase = _timeout_phase(exc, received_bytes=received_bytes)
        return timeout_error(phase, timeout=timeout, host=host)
    if isinstance(exc, httpx.HTTPStatusError):
        return error_from_status(
            exc.response.status_code, exc.response.content, model=model, host=host
        )
    if isinstance(exc, httpx.ConnectError):
        return OllamaUnavailableError(
            f"Could not connect to Ollama at {host} ({_describe(exc)}). Is it running? "
            "Start it with `shared-ollama start` (or `ollama serve`), or point OLLAMA_HOST at the "
            "right server.",
            host=host,
            request_sent=False,
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return RequestError(
            f"The address {host} cannot be used ({_describe(exc)}); give an http:// or https:// URL.",
            host=host,
        )
    if received_bytes and isinstance(exc, httpx.TransportError | ValueError):
        return StreamInterruptedError(
            f"The stream from Ollama at {host} broke after {chunks_received} chunk(s) "
            f"({type(exc).__name__}: {_describe(exc)}). The text received so far is in `.partial`; the call "
            "was not retried because output had already been delivered.",
            partial=partial,
            chunks_received=chunks_received,
            error=str(exc) or type(exc).__name__,
            host=host,
        )
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError | httpx.ProxyError):
        return OllamaUnavailableError(
            f"Ollama at {host} closed the connection before answering ({type(exc).__name__}: "
            f"{_describe(exc)}). It may have crashed or restarted; check `shared-ollama status`.",
            host=host,
            request_sent=True,
        )
    if isinstance(exc, ValueError):
        return ServerError(
            f"Ollama at {host} sent a reply that is not valid JSON ({exc}). Is the address a "
            "proxy or another service rather than Ollama?",
            status_code=200,
            error=str(exc),
            host=host,
        )
    return TransportError(
        f"The exchange with Ollama at {host} failed ({type(exc).__name__}: {_describe(exc)}).",
        host=host,
    )


def error_from_oversize(
    exc: OversizeError, *, host: str, partial: str = "", chunks_received: int = 0
) -> ReplyTooLargeError:
    """The error for a reply line or a whole reply larger than its limit."""
    what = "a line of its reply" if exc.limit == "max_line_bytes" else "its reply"
    return ReplyTooLargeError(
        f"Ollama at {host} sent {what} larger than {exc.limit}={exc.maximum} bytes ({exc.size} "
        "bytes had arrived); reading stopped there and the call was not retried. A real Ollama "
        "never sends that much: check what answers at that address, or raise the limit with "
        f"ReplyLimits({exc.limit}=...). The text received so far is in `.partial`.",
        limit=exc.limit,
        maximum=exc.maximum,
        partial=partial,
        chunks_received=chunks_received,
        host=host,
    )


def error_from_invalid_reply(exc: Exception, *, path: str, host: str) -> ServerError:
    """The error for a reply that is JSON but does not have the shape Ollama documents."""
    return ServerError(
        f"Ollama at {host} sent a reply to {path} that does not match its API ({exc}). Is the "
        "server a recent Ollama, or a proxy that rewrites replies?",
        status_code=200,
        error=str(exc)[:2000],
        host=host,
    )
