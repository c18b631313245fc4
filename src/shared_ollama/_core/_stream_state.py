"""The per-stream state machine shared by the sync and async clients.

Bytes from the network go in; typed chunks come out. Along the way it decodes NDJSON, turns an
``{"error": ...}`` line into the right exception, keeps the text received so far (for
:class:`~shared_ollama.StreamInterruptedError`), notices a stream that ends before its ``done``
chunk, and reports each chunk to telemetry. It performs no I/O.

Each line is decoded once. A call that knows its chunk model (``ApiCall.parse_line``: chat,
generate, pull/push/create progress) has pydantic validate the raw line straight into that
model, in one pass with no intermediate ``dict``; the state machine then reads only the two
fields it routes on (``done`` and the text for ``.partial``) from the typed chunk. A line that
does not validate, or that carries an ``error`` key, goes through the general path instead
(decode, then classify exactly as before), so error lines, non-object lines and malformed
replies raise the same errors whichever path a line took.
"""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar

import httpx

from shared_ollama._core._calls import ApiCall
from shared_ollama._core._error_mapping import (
    error_from_exception,
    error_from_invalid_reply,
    error_from_stream_line,
)
from shared_ollama._core._ndjson import MalformedLineError, OversizeError, decode_line
from shared_ollama._core._reply_limits import DEFAULT_REPLY_LIMITS, ReplyLimits
from shared_ollama._errors import SharedOllamaError, StreamInterruptedError

__all__ = ["ChunkObserver", "StreamState"]

T = TypeVar("T")


class ChunkObserver(Protocol):
    """What the stream reports each decoded chunk to (telemetry)."""

    @property
    def observing(self) -> bool:
        """Whether it records anything; a stream reports no chunk to an observer that does not."""

    def chunk(self, data: Any) -> None:
        """Called with each chunk (decoded JSON object or typed response), in order."""


def _chat_text(data: Any) -> str | None:
    message = data.get("message") if isinstance(data, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, str) else None


def _generate_text(data: Any) -> str | None:
    text = data.get("response") if isinstance(data, dict) else None
    return text if isinstance(text, str) else None


def _chat_item_text(item: Any) -> str | None:
    return item.message.content  # type: ignore[no-any-return]


def _generate_item_text(item: Any) -> str | None:
    return item.response  # type: ignore[no-any-return]


# What .partial accumulates: from a decoded dict (general path), from a typed chunk (fast path).
_TEXT_OF_VALUE = {"chat": _chat_text, "generate": _generate_text}
_TEXT_OF_ITEM = {"chat": _chat_item_text, "generate": _generate_item_text}


class StreamState(Generic[T]):
    """Decodes one NDJSON reply into typed chunks.

    Args:
        call: The call whose reply this is.
        host: The server's base URL, for error messages.
        observer: Receives each decoded chunk (may be ``None``).
        limits: The line and reply size limits.
    """

    __slots__ = (
        "_call",
        "_done",
        "_extract",
        "_host",
        "_item_text",
        "_lines",
        "_observer",
        "_parse_line",
        "_parts",
        "chunks",
        "last",
    )

    def __init__(
        self,
        call: ApiCall[T],
        host: str,
        observer: ChunkObserver | None = None,
        *,
        limits: ReplyLimits = DEFAULT_REPLY_LIMITS,
    ) -> None:
        self._call = call
        self._host = host
        self._observer = observer if observer is not None and observer.observing else None
        self._lines = limits.splitter()
        self._parts: list[str] = []
        self._extract = _TEXT_OF_VALUE.get(call.partial or "")
        self._item_text = _TEXT_OF_ITEM.get(call.partial or "")
        self._parse_line = call.parse_line
        self._done = False
        self.chunks = 0
        self.last: Any = None

    @property
    def partial(self) -> str:
        """The text received so far."""
        return "".join(self._parts)

    def feed(self, data: bytes) -> list[T]:
        """Decode a network chunk into the typed chunks it completes.

        Raises:
            SharedOllamaError: An error line, a line that is not JSON, or a size limit passed
                (:class:`~shared_ollama.ReplyTooLargeError`, with the text so far).
        """
        try:
            lines = self._lines.feed(data)
        except OversizeError as exc:
            raise self.failure(exc) from None
        return [self._accept_line(line) for line in lines] if lines else []

    def finish(self) -> list[T]:
        """The stream ended: return a last unterminated chunk, or raise if ``done`` never came."""
        items = [self._accept_line(line) for line in self._lines.flush()]
        if self._extract is not None and not self._done:
            raise StreamInterruptedError(
                f"The stream from Ollama at {self._host} ended after {self.chunks} chunk(s) "
                "without its final `done` chunk: the server or a proxy cut it short. The text "
                "received so far is in `.partial`.",
                partial=self.partial,
                chunks_received=self.chunks,
                error="stream ended before done",
                host=self._host,
            )
        return items

    def failure(self, exc: Exception, *, timeout: float | None = None) -> SharedOllamaError:
        """Map a transport or decoding failure during the stream to our error tree.

        The stream's headers had arrived, so a stall is ``between_chunks`` (the limit that
        applied, ``timeout``) even before the first body byte, never ``first_byte``.
        """
        return error_from_exception(
            exc,
            host=self._host,
            model=self._call.model,
            received_bytes=self.chunks > 0 or isinstance(exc, httpx.HTTPError),
            partial=self.partial,
            chunks_received=self.chunks,
            timeout=timeout,
        )

    def _accept_line(self, line: bytes) -> T:
        parse_line = self._parse_line
        if parse_line is not None:
            try:
                item = parse_line(line)
            except ValueError:  # not JSON, not an object, or not this model: classify below
                pass
            else:
                extra = item.__pydantic_extra__  # type: ignore[attr-defined]
                if not (extra and "error" in extra):  # an error line is classified below
                    item_text = self._item_text
                    if item_text is not None:
                        text = item_text(item)
                        if text:
                            self._parts.append(text)
                        if item.done:  # type: ignore[attr-defined]
                            self._done = True
                    self.chunks += 1
                    self.last = item
                    if self._observer is not None:
                        self._observer.chunk(item)
                    return item
        try:
            value = decode_line(line)
        except MalformedLineError as exc:
            raise self.failure(exc) from None
        return self._accept(value)

    def _accept(self, value: Any) -> T:
        if not isinstance(value, dict):
            problem = ValueError(f"a stream line is {type(value).__name__}, not an object")
            if self.chunks:  # mid-stream: the text so far is kept (StreamInterruptedError)
                raise self.failure(problem)
            raise error_from_invalid_reply(problem, path=self._call.path, host=self._host)
        if "error" in value:
            raise error_from_stream_line(
                value,
                partial=self.partial,
                chunks_received=self.chunks,
                model=self._call.model,
                host=self._host,
            )
        try:
            item = self._call.parse(value)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            if self.chunks:  # mid-stream: the text so far is kept (StreamInterruptedError)
                problem = ValueError(
                    f"a stream line does not match the {self._call.path} reply ({str(exc)[:2000]})"
                )
                raise self.failure(problem) from exc
            raise error_from_invalid_reply(exc, path=self._call.path, host=self._host) from exc
        if self._extract is not None:
            text = self._extract(value)
            if text:
                self._parts.append(text)
            if value.get("done"):
                self._done = True
        self.chunks += 1
        self.last = value
        if self._observer is not None:
            self._observer.chunk(value)
        return item

    def __repr__(self) -> str:
        return f"StreamState({self._call.path}, chunks={self.chunks})"
