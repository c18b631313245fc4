"""Incremental NDJSON decoding: network chunks in, complete lines (and their values) out.

Two steps with one small interface between them:

1. :class:`LineSplitter` cuts the byte stream into lines. It is linear in the input: each network
   chunk is searched for a newline once, and the pieces of a line still open are kept in a list
   and joined once, when its newline arrives (joining everything pending on every chunk was
   quadratic: a 50 MB line took 22 s). It also enforces the size limits: a line longer than
   ``max_line_bytes`` or a reply longer than ``max_reply_bytes`` raises :class:`OversizeError`
   at once, without waiting for the rest.
2. :func:`decode_line` turns one complete line into its value.

Lines may be split across chunks, blank lines (and CRLF endings) are tolerated, and a last
line without a newline is returned by :meth:`LineSplitter.flush`. :class:`NDJSONDecoder` chains
both steps. Nothing here does I/O; the sync and async clients share it.
"""

from __future__ import annotations

from typing import Any, Literal

from shared_ollama._json import loads

__all__ = [
    "DEFAULT_MAX_LINE_BYTES",
    "DEFAULT_MAX_REPLY_BYTES",
    "LineSplitter",
    "MalformedLineError",
    "NDJSONDecoder",
    "OversizeError",
    "decode_line",
]

DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024
"""Longest NDJSON line accepted (16 MiB); a real Ollama line is a few hundred bytes, an
embedding line a few hundred KiB."""
DEFAULT_MAX_REPLY_BYTES = 256 * 1024 * 1024
"""Largest reply accepted, streamed or not, counted after decompression (256 MiB)."""

OversizeLimit = Literal["max_line_bytes", "max_reply_bytes"]


class MalformedLineError(ValueError):
    """A line of the stream is not JSON.

    Attributes:
        line: The offending line (cut to 200 bytes).
    """

    def __init__(self, line: bytes) -> None:
        self.line = line[:200]
        super().__init__(f"the server sent a line that is not JSON: {self.line!r}")


class OversizeError(ValueError):
    """A line or a whole reply is larger than its limit.

    Attributes:
        limit: Which limit: ``max_line_bytes`` or ``max_reply_bytes``.
        maximum: The limit, in bytes.
        size: How many bytes had arrived when the limit was passed (at least ``maximum + 1``).
    """

    def __init__(self, limit: OversizeLimit, maximum: int, size: int) -> None:
        self.limit: OversizeLimit = limit
        self.maximum = maximum
        self.size = size
        what = "one line of the reply" if limit == "max_line_bytes" else "the reply"
        super().__init__(f"{what} passed {limit}={maximum} bytes ({size} bytes so far)")


def decode_line(line: bytes) -> Any:
    """The JSON value of one complete line.

    Raises:
        MalformedLineError: The line is not JSON.
    """
    try:
        return loads(line)
    except ValueError:
        raise MalformedLineError(line) from None


def _is_blank(line: bytes) -> bool:
    return not line or line.isspace()


class LineSplitter:
    """Cuts a byte stream into its non-blank lines, within size limits.

    Args:
        max_line_bytes: Longest line accepted, without its newline (``None``: no limit).
        max_reply_bytes: Most bytes accepted in all (``None``: no limit).
    """

    __slots__ = ("_max_line", "_max_reply", "_pending", "_pending_size", "_total")

    def __init__(
        self,
        *,
        max_line_bytes: int | None = DEFAULT_MAX_LINE_BYTES,
        max_reply_bytes: int | None = DEFAULT_MAX_REPLY_BYTES,
    ) -> None:
        for name, value in (
            ("max_line_bytes", max_line_bytes),
            ("max_reply_bytes", max_reply_bytes),
        ):
            if value is not None and (isinstance(value, bool) or value < 1):
                raise ValueError(f"{name}={value!r} must be a positive number of bytes or None.")
        self._max_line = max_line_bytes
        self._max_reply = max_reply_bytes
        self._pending: list[bytes] = []  # pieces of the line still open, joined once it ends
        self._pending_size = 0
        self._total = 0

    @property
    def received(self) -> int:
        """Bytes fed so far."""
        return self._total

    def feed(self, data: bytes) -> list[bytes]:
        """Add a network chunk; return every line it completed, in order (blank ones skipped).

        Raises:
            OversizeError: The open line or the whole reply passed its limit.
        """
        self._total += len(data)
        if self._max_reply is not None and self._total > self._max_reply:
            raise OversizeError("max_reply_bytes", self._max_reply, self._total)
        lines: list[bytes] = []
        if self._pending:
            cut = data.find(b"\n")  # only the new bytes are searched
            if cut < 0:
                self._hold(data)
                return lines
            self._hold(data[:cut])
            first = b"".join(self._pending)
            self._pending = []
            self._pending_size = 0
            if not _is_blank(first):
                lines.append(first)
            data = data[cut + 1 :]
        parts = data.split(b"\n")
        rest = parts.pop()
        if self._max_line is not None and len(data) > self._max_line:
            self._check_lines(
                parts, self._max_line
            )  # only a chunk longer than the limit can hold a long line
        lines += [line for line in parts if line and not line.isspace()]
        if rest:
            self._hold(rest)
        return lines

    def flush(self) -> list[bytes]:
        """End of stream: return a last line that had no newline, if any."""
        rest = b"".join(self._pending)
        self._pending = []
        self._pending_size = 0
        return [] if _is_blank(rest) else [rest]

    def _hold(self, piece: bytes) -> None:
        self._pending.append(piece)
        self._pending_size += len(piece)
        if self._max_line is not None and self._pending_size > self._max_line:
            raise OversizeError("max_line_bytes", self._max_line, self._pending_size)

    def _check_lines(self, lines: list[bytes], maximum: int) -> None:
        longest = max(map(len, lines), default=0)
        if longest > maximum:
            raise OversizeError("max_line_bytes", maximum, longest)

    def __repr__(self) -> str:
        return f"LineSplitter(pending={self._pending_size} bytes, received={self._total} bytes)"


class NDJSONDecoder:
    """Splits a byte stream into JSON lines and decodes each one.

    Args:
        max_line_bytes: Longest line accepted (``None``: no limit).
        max_reply_bytes: Most bytes accepted in all (``None``: no limit).
    """

    __slots__ = ("_lines",)

    def __init__(
        self,
        *,
        max_line_bytes: int | None = DEFAULT_MAX_LINE_BYTES,
        max_reply_bytes: int | None = DEFAULT_MAX_REPLY_BYTES,
    ) -> None:
        self._lines = LineSplitter(max_line_bytes=max_line_bytes, max_reply_bytes=max_reply_bytes)

    def feed(self, data: bytes) -> list[Any]:
        """Add a network chunk; return the values of every line it completed, in order.

        Raises:
            MalformedLineError: A completed line is not JSON.
            OversizeError: A line or the reply passed its limit.
        """
        return [decode_line(line) for line in self._lines.feed(data)]

    def flush(self) -> list[Any]:
        """End of stream: return the value of a last line that had no newline, if any."""
        return [decode_line(line) for line in self._lines.flush()]

    def __repr__(self) -> str:
        return f"NDJSONDecoder({self._lines!r})"
