"""The one error tree of shared-ollama.

Every failure a caller can meet is an instance of :class:`SharedOllamaError`; no ``httpx``
exception escapes the library. The tree::

    SharedOllamaError
    ├── TransportError               the exchange failed on the wire
    │   ├── OllamaUnavailableError   nothing answered: refused, DNS, reset (also ``ConnectionError``)
    │   └── RequestTimeoutError      a timeout expired; ``.phase`` says which one
    ├── ResponseError                Ollama answered with an error status (``.status_code``, ``.error``)
    │   ├── InvalidRequestError      400 and other caller mistakes the server rejected
    │   │   └── CapabilityError      the model lacks tools, vision, thinking or insert
    │   ├── ModelNotFoundError       404: the model is not pulled on that server
    │   ├── ServerBusyError          503 queue full, or 429
    │   └── ServerError              any other 5xx
    ├── StreamInterruptedError       a stream broke after its first chunk (``.partial`` kept)
    │   └── ReplyTooLargeError       a line or a reply passed its size limit (``.limit``)
    ├── CircuitOpenError             the host's breaker is open (``.retry_after``; also ``ConnectionError``)
    ├── CassetteMissError            a replay server has no recording for the request
    └── PluginError                  an integration plugin (defined in ``plugins/_discovery.py``)
        ├── PluginNotFoundError      no such plugin installed (also ``LookupError``)
        └── PluginLoadError          the plugin failed to import (also ``ImportError``)

``OllamaUnavailableError`` and ``CircuitOpenError`` are also the builtin ``ConnectionError``,
which ``ollama.Client`` raises when nothing answers, so ``except ConnectionError`` keeps working
after a switch.

Misuse of the API (a missing model name, a value of the wrong kind) raises ``ValueError`` or
``TypeError`` before anything is sent; :class:`RequestError` is the ``ValueError`` that
``ollama.RequestError`` users catch.

Every message says what happened and what to do about it.
"""

from __future__ import annotations

from typing import Literal

TimeoutPhase = Literal["connect", "pool", "write", "first_byte", "between_chunks", "reply", "total"]

__all__ = [
    "CapabilityError",
    "CassetteMissError",
    "CircuitOpenError",
    "InvalidRequestError",
    "ModelNotFoundError",
    "OllamaUnavailableError",
    "ReplyTooLargeError",
    "RequestError",
    "RequestTimeoutError",
    "ResponseError",
    "ServerBusyError",
    "ServerError",
    "SharedOllamaError",
    "StreamInterruptedError",
    "TimeoutPhase",
    "TransportError",
]


class SharedOllamaError(Exception):
    """Root of every error raised by shared-ollama.

    Attributes:
        host: Base URL of the Ollama server involved, when known.
    """

    def __init__(self, message: str, *, host: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.host = host


class RequestError(SharedOllamaError, ValueError):
    """The call was malformed before anything was sent (the ``ollama.RequestError`` twin)."""

    @property
    def error(self) -> str:
        """The message, under the attribute name ``ollama.RequestError`` uses."""
        return self.message


class TransportError(SharedOllamaError):
    """The HTTP exchange failed on the wire before Ollama could answer."""


class OllamaUnavailableError(TransportError, ConnectionError):
    """No Ollama answered at the host: connection refused, DNS failure or reset.

    Also a ``ConnectionError``, as ``ollama.Client`` raises when it cannot connect.

    Attributes:
        request_sent: ``False`` when the request certainly never reached the server (so it is
            always safe to retry), ``True`` when the connection broke after it was sent.
    """

    def __init__(
        self, message: str, *, host: str | None = None, request_sent: bool = False
    ) -> None:
        super().__init__(message, host=host)
        self.request_sent = request_sent


class RequestTimeoutError(TransportError):
    """A timeout expired.

    Attributes:
        phase: Which deadline passed: ``connect``, ``pool`` (waiting for a free connection),
            ``write``, ``first_byte`` (the model may still be loading), ``between_chunks`` (a
            stream stalled, or its body never began after the headers), ``reply`` (a
            non-streamed reply did not finish within ``TimeoutPolicy.non_stream``) or ``total``
            (the whole call's deadline).
        timeout: The limit that expired, in seconds, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        phase: TimeoutPhase,
        timeout: float | None = None,
        host: str | None = None,
    ) -> None:
        super().__init__(message, host=host)
        self.phase: TimeoutPhase = phase
        self.timeout = timeout


class ResponseError(SharedOllamaError):
    """Ollama answered with an error status.

    Attributes:
        status_code: The HTTP status Ollama sent.
        error: Ollama's own ``error`` text, unchanged (what ``ollama.ResponseError.error`` holds).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error: str,
        host: str | None = None,
    ) -> None:
        super().__init__(message, host=host)
        self.status_code = status_code
        self.error = error


class InvalidRequestError(ResponseError):
    """Ollama rejected the request as malformed (HTTP 400 and similar)."""


class CapabilityError(InvalidRequestError):
    """The model cannot do what was asked: tools, images, thinking or insert (suffix).

    Attributes:
        capability: ``tools``, ``vision``, ``thinking`` or ``insert``.
        model: The model that lacks it, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error: str,
        capability: str,
        model: str | None = None,
        host: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, error=error, host=host)
        self.capability = capability
        self.model = model


class ModelNotFoundError(ResponseError):
    """The model is not available on the server (HTTP 404).

    Attributes:
        model: The model that was asked for.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error: str,
        model: str | None = None,
        host: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, error=error, host=host)
        self.model = model


class ServerBusyError(ResponseError):
    """The server's queue is full (HTTP 503 ``maximum pending requests exceeded``) or it sent 429."""


class ServerError(ResponseError):
    """The server failed (HTTP 5xx other than busy): a crashed runner, no free slot, a proxy error."""


class StreamInterruptedError(SharedOllamaError):
    """A stream broke after its first chunk arrived.

    Either Ollama sent an ``{"error": ...}`` line mid-stream, or the connection dropped. Nothing is
    retried past the first chunk, so the text received so far is kept here.

    Attributes:
        partial: The content received before the break (message content or response text).
        chunks_received: How many chunks arrived before the break.
        error: Ollama's error text when it sent one, else a description of the disconnect.
    """

    def __init__(
        self,
        message: str,
        *,
        partial: str,
        chunks_received: int,
        error: str,
        host: str | None = None,
    ) -> None:
        super().__init__(message, host=host)
        self.partial = partial
        self.chunks_received = chunks_received
        self.error = error


class ReplyTooLargeError(StreamInterruptedError):
    """A reply line, or a whole reply, was larger than its limit; reading stopped there.

    Raised for streamed and non-streamed replies alike (a broken or hostile server, a
    decompression bomb). It is never retried: bytes of the reply had arrived.

    Attributes:
        limit: The limit passed: ``max_line_bytes`` or ``max_reply_bytes`` (see
            :class:`~shared_ollama.ReplyLimits`).
        maximum: Its value, in bytes.
        partial: The text of the chunks received before the limit was passed.
    """

    def __init__(
        self,
        message: str,
        *,
        limit: str,
        maximum: int,
        partial: str,
        chunks_received: int,
        host: str | None = None,
    ) -> None:
        super().__init__(
            message,
            partial=partial,
            chunks_received=chunks_received,
            error=f"{limit}={maximum} exceeded",
            host=host,
        )
        self.limit = limit
        self.maximum = maximum


class CircuitOpenError(SharedOllamaError, ConnectionError):
    """The circuit breaker for the host is open: calls fail at once without touching the network.

    Also a ``ConnectionError``: the host failed so often that it is treated as unreachable.

    Attributes:
        retry_after: Seconds until the breaker lets a probe through.
    """

    def __init__(self, message: str, *, retry_after: float, host: str | None = None) -> None:
        super().__init__(message, host=host)
        self.retry_after = retry_after


class CassetteMissError(SharedOllamaError):
    """A replay server has no recording for the request (a cassette miss).

    The replay server is ``shared-ollama replay`` or the pytest plugin's; the request changed
    since it was recorded, or it was never recorded.

    Not a server failure: it is never retried and never opens a breaker. The message names the
    request and the command that records it.

    Attributes:
        method: The request's HTTP method.
        path: The request's path (and query).
        model: The model the request named, if any.
        body_digest: A short digest of the request body under the matching rule.
        cassettes: The cassette folder (or file) the replay server searched.
        command: The command that records the request against a real Ollama.
        status_code: The replay server's status for a miss (501).
        error: The replay server's text (the same as the message).
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        model: str | None,
        body_digest: str,
        cassettes: str,
        command: str,
        status_code: int = 501,
        host: str | None = None,
    ) -> None:
        super().__init__(message, host=host)
        self.method = method
        self.path = path
        self.model = model
        self.body_digest = body_digest
        self.cassettes = cassettes
        self.command = command
        self.status_code = status_code
        self.error = message


_PHASE_ADVICE: dict[TimeoutPhase, str] = {
    "connect": "nothing accepted the connection in time; check that Ollama runs at that address",
    "pool": "every connection of this client was busy; raise the pool size or lower concurrency",
    "write": "sending the request stalled; the network or the server is overloaded",
    "first_byte": (
        "no reply began in time; the model may still be loading (a cold start can take minutes) "
        "or the server is saturated: raise the first-byte timeout or warm the model first"
    ),
    "between_chunks": (
        "the reply stalled after it began (between two chunks, or between its headers and its "
        "body); the runner may be hung or starved, or a proxy holds the body back"
    ),
    "reply": (
        "the non-streamed reply began but did not finish within TimeoutPolicy.non_stream (the "
        "server or a proxy trickled it); raise non_stream, or call with stream=True"
    ),
    "total": "the call's overall deadline (TimeoutPolicy.total) passed",
}


def timeout_error(phase: TimeoutPhase, *, timeout: float | None, host: str) -> RequestTimeoutError:
    """A :class:`RequestTimeoutError` for ``phase`` with advice on what to do."""
    limit = f" after {timeout:g} s" if timeout is not None else ""
    return RequestTimeoutError(
        f"Timed out ({phase}){limit} talking to Ollama at {host}: {_PHASE_ADVICE[phase]}.",
        phase=phase,
        timeout=timeout,
        host=host,
    )
