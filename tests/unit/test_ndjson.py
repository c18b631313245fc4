"""Incremental NDJSON decoding: split lines, blank lines, a last line without newline."""

from __future__ import annotations

import pytest

from shared_ollama._ndjson import MalformedLineError, NDJSONDecoder


def test_ndjson_decoder_joins_lines_split_across_chunks() -> None:
    """A line cut anywhere is decoded once complete, in order."""
    decoder = NDJSONDecoder()
    assert decoder.feed(b'{"a": 1}\n{"b"') == [{"a": 1}]
    assert decoder.feed(b": 2") == []
    assert decoder.feed(b'}\n{"c": 3}\n') == [{"b": 2}, {"c": 3}]
    assert decoder.flush() == []


def test_ndjson_decoder_skips_blank_lines_and_crlf() -> None:
    """Blank lines and CRLF endings are tolerated."""
    decoder = NDJSONDecoder()
    assert decoder.feed(b'\n\r\n{"a": 1}\r\n\n') == [{"a": 1}]


def test_ndjson_decoder_flush_returns_unterminated_last_line() -> None:
    """The final line without a newline is returned by flush()."""
    decoder = NDJSONDecoder()
    assert decoder.feed(b'{"a": 1}\n{"done": true}') == [{"a": 1}]
    assert decoder.flush() == [{"done": True}]
    assert decoder.flush() == []


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64])
def test_ndjson_decoder_any_chunking_gives_same_values(size: int) -> None:
    """Splitting the same stream into chunks of any size yields the same values."""
    stream = b'{"x": "\xc3\xa9"}\n{"y": [1, 2]}\n\n{"z": null}'
    decoder = NDJSONDecoder()
    values = []
    for start in range(0, len(stream), size):
        values += decoder.feed(stream[start : start + size])
    values += decoder.flush()
    assert values == [{"x": "é"}, {"y": [1, 2]}, {"z": None}]


def test_ndjson_decoder_reports_malformed_line() -> None:
    """A line that is not JSON raises MalformedLineError carrying the line."""
    decoder = NDJSONDecoder()
    with pytest.raises(MalformedLineError) as caught:
        decoder.feed(b"<html>\n")
    assert caught.value.line == b"<html>"
