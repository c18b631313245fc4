"""How much of a reply a client accepts: one line of a stream, and a whole reply.

A broken or hostile server (or a proxy in front of one) can send an endless line, an endless
stream, or a small gzip body that inflates to gigabytes. Each reply is read within two limits,
counted after decompression, and passing either stops the read at once with
:class:`~shared_ollama.ReplyTooLargeError` (the text received so far is kept in ``.partial``):

===================  =========  ============================================================
limit                default    applies to
===================  =========  ============================================================
``max_line_bytes``   16 MiB     each NDJSON line of a stream (Ollama's are a few hundred bytes)
``max_reply_bytes``  256 MiB    a whole reply, streamed or not (an embedding of 1,000 texts
                                of 768 floats is about 10 MB)
===================  =========  ============================================================

Change them with ``SharedOllamaClient(limits=ReplyLimits(max_reply_bytes=...))``; ``None``
removes a limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared_ollama._core._ndjson import (
    DEFAULT_MAX_LINE_BYTES,
    DEFAULT_MAX_REPLY_BYTES,
    LineSplitter,
    OversizeError,
)

__all__ = ["DEFAULT_REPLY_LIMITS", "ReplyBody", "ReplyLimits"]


@dataclass(frozen=True, slots=True)
class ReplyLimits:
    """The size limits a client reads replies within (``None``: no limit).

    Attributes:
        max_line_bytes: Longest NDJSON line of a stream, in bytes (default 16 MiB).
        max_reply_bytes: Largest whole reply, streamed or not, after decompression, in bytes
            (default 256 MiB).
    """

    max_line_bytes: int | None = DEFAULT_MAX_LINE_BYTES
    max_reply_bytes: int | None = DEFAULT_MAX_REPLY_BYTES

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise TypeError(f"ReplyLimits.{name}={value!r} must be a whole number of bytes.")
            if value is not None and value < 1:
                raise ValueError(
                    f"ReplyLimits.{name}={value!r} must be a positive number of bytes, or None "
                    "for no limit."
                )

    def splitter(self) -> LineSplitter:
        """A line splitter for one streamed reply, within these limits."""
        return LineSplitter(
            max_line_bytes=self.max_line_bytes, max_reply_bytes=self.max_reply_bytes
        )


DEFAULT_REPLY_LIMITS = ReplyLimits()


class ReplyBody:
    """Collects a non-streamed reply body, chunk by chunk, within ``max_reply_bytes``.

    Reading chunk by chunk (instead of ``response.read()``) lets the read stop as soon as the
    limit is passed, so a decompression bomb never fills memory.

    Args:
        max_reply_bytes: Most bytes accepted (``None``: no limit).
    """

    __slots__ = ("_chunks", "_limit", "_size")

    def __init__(self, max_reply_bytes: int | None) -> None:
        self._limit = max_reply_bytes
        self._chunks: list[bytes] = []
        self._size = 0

    @property
    def size(self) -> int:
        """Bytes collected so far."""
        return self._size

    def feed(self, data: bytes) -> None:
        """Add a chunk.

        Raises:
            OversizeError: The body passed ``max_reply_bytes``.
        """
        self._size += len(data)
        if self._limit is not None and self._size > self._limit:
            self._chunks = []
            raise OversizeError("max_reply_bytes", self._limit, self._size)
        self._chunks.append(data)

    def content(self) -> bytes:
        """The whole body."""
        return b"".join(self._chunks)

    def __repr__(self) -> str:
        return f"ReplyBody({self._size} bytes, limit={self._limit})"
