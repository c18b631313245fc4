"""Incremental NDJSON decoding: network chunks in, one decoded value per complete line out.

Lines may be split across chunks, blank lines are skipped, and a last line without a newline is
returned by :meth:`NDJSONDecoder.flush`. The decoder holds no I/O and is shared by the sync and async
clients.
"""

from __future__ import annotations

from typing import Any

from shared_ollama._json import loads

__all__ = ["MalformedLineError", "NDJSONDecoder"]


class MalformedLineError(ValueError):
    """A line of the stream is not JSON.

    Attributes:
        line: The offending line (cut to 200 bytes).
    """

    def __init__(self, line: bytes) -> None:
        self.line = line[:200]
        super().__init__(f"the server sent a line that is not JSON: {self.line!r}")


def _decode(line: bytes) -> Any:
    try:
        return loads(line)
    except ValueError:
        raise MalformedLineError(line) from None


class NDJSONDecoder:
    """Splits a byte stream into JSON lines and decodes each one."""

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[Any]:
        """Add a network chunk; return the values of every line it completed, in order."""
        if self._pending:
            data = self._pending + data
        if b"\n" not in data:
            self._pending = data
            return []
        *lines, self._pending = data.split(b"\n")
        return [_decode(line) for line in lines if line.strip()]

    def flush(self) -> list[Any]:
        """End of stream: return the value of a last line that had no newline, if any."""
        rest, self._pending = self._pending, b""
        return [_decode(rest)] if rest.strip() else []

    def __repr__(self) -> str:
        return f"NDJSONDecoder(pending={len(self._pending)} bytes)"
