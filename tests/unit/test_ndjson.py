"""Incremental NDJSON decoding: split lines, blank lines, a last line without newline."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_ollama._core._ndjson import (
    LineSplitter,
    MalformedLineError,
    NDJSONDecoder,
    OversizeError,
)


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


# --- linear splitting and size limits -----------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    edges = [0, *points, len(data)]
    return [data[start:end] for start, end in itertools.pairwise(edges)]


def _reference_lines(data: bytes) -> list[bytes]:
    """What any NDJSON reader must see: the newline-separated lines that are not blank."""
    return [line for line in data.split(b"\n") if line.strip()]


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(JSON_VALUES, max_size=12),
    crlf=st.booleans(),
    blank=st.booleans(),
    trailing_newline=st.booleans(),
    cuts=st.lists(st.integers(min_value=0), max_size=20),
)
def test_ndjson_decoder_matches_splitlines_and_json_loads(
    values: list[Any], crlf: bool, blank: bool, trailing_newline: bool, cuts: list[int]
) -> None:
    """Any JSON lines, cut into arbitrary network chunks, decode as splitlines + json.loads do."""
    ending = b"\r\n" if crlf else b"\n"
    lines = [json.dumps(value).encode() for value in values]
    if blank:
        lines = [item for line in lines for item in (line, b"")]
    data = ending.join(lines) + (ending if trailing_newline and lines else b"")
    decoder = NDJSONDecoder()
    decoded = [value for chunk in _chunks(data, cuts) for value in decoder.feed(chunk)]
    decoded += decoder.flush()
    assert decoded == [json.loads(line) for line in data.splitlines() if line.strip()]
    assert decoded == values


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300), cuts=st.lists(st.integers(min_value=0), max_size=20))
def test_line_splitter_cuts_arbitrary_bytes_like_the_reference(
    data: bytes, cuts: list[int]
) -> None:
    """Arbitrary bytes in arbitrary chunks give exactly the reference's non-blank lines."""
    splitter = LineSplitter()
    lines = [line for chunk in _chunks(data, cuts) for line in splitter.feed(chunk)]
    lines += splitter.flush()
    assert lines == _reference_lines(data)
    assert splitter.received == len(data)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=200), cuts=st.lists(st.integers(min_value=0), max_size=10))
def test_ndjson_decoder_fails_exactly_where_json_loads_fails(data: bytes, cuts: list[int]) -> None:
    """Arbitrary bytes either decode to json.loads's values or raise on a line json.loads rejects."""
    expected: list[Any] = []
    reference_error = False
    for line in _reference_lines(data):
        try:
            expected.append(json.loads(line))
        except ValueError:
            reference_error = True
            break
    decoder = NDJSONDecoder()
    got: list[Any] = []
    try:
        for chunk in _chunks(data, cuts):
            got += decoder.feed(chunk)
        got += decoder.flush()
    except MalformedLineError:
        # orjson is stricter than json (NaN, huge integers): it may refuse more, never less.
        assert got == expected[: len(got)]
        return
    assert not reference_error
    assert got == expected


@settings(max_examples=100, deadline=None)
@given(
    limit=st.integers(min_value=1, max_value=40),
    data=st.binary(max_size=200),
    cuts=st.lists(st.integers(min_value=0), max_size=20),
)
def test_line_splitter_refuses_a_line_over_the_limit_however_it_is_cut(
    limit: int, data: bytes, cuts: list[int]
) -> None:
    """A line longer than max_line_bytes raises, a stream of shorter lines never does."""
    too_long = any(len(line) > limit for line in data.split(b"\n"))
    splitter = LineSplitter(max_line_bytes=limit, max_reply_bytes=None)

    def run() -> None:
        for chunk in _chunks(data, cuts):
            splitter.feed(chunk)
        splitter.flush()

    if not too_long:
        run()
        return
    with pytest.raises(OversizeError) as caught:
        run()
    assert (caught.value.limit, caught.value.maximum) == ("max_line_bytes", limit)
    assert caught.value.size > limit


def test_line_splitter_stops_an_endless_line_at_the_limit_not_at_its_end() -> None:
    """A line with no newline raises as soon as it passes the limit, holding at most that much."""
    splitter = LineSplitter(max_line_bytes=1000, max_reply_bytes=None)
    assert splitter.feed(b'{"a": 1}\n' + b"x" * 500) == [b'{"a": 1}']
    splitter.feed(b"x" * 500)
    with pytest.raises(OversizeError) as caught:
        splitter.feed(b"x")
    assert (caught.value.limit, caught.value.size) == ("max_line_bytes", 1001)


def test_line_splitter_refuses_a_long_complete_line_inside_one_chunk() -> None:
    """A complete line in a single large network chunk is held to the same limit."""
    splitter = LineSplitter(max_line_bytes=10, max_reply_bytes=None)
    with pytest.raises(OversizeError) as caught:
        splitter.feed(b"1\n" + b"2" * 11 + b"\n3\n")
    assert caught.value.size == 11


def test_line_splitter_refuses_a_reply_over_max_reply_bytes() -> None:
    """Many short lines add up: the whole reply is capped too."""
    splitter = LineSplitter(max_line_bytes=None, max_reply_bytes=20)
    assert splitter.feed(b"1\n2\n3\n4\n5\n6\n7\n8\n9\n") == [str(n).encode() for n in range(1, 10)]
    with pytest.raises(OversizeError) as caught:
        splitter.feed(b"10\n11\n")
    assert (caught.value.limit, caught.value.maximum, caught.value.size) == (
        "max_reply_bytes",
        20,
        24,
    )


def test_line_splitter_without_limits_takes_a_line_longer_than_the_defaults() -> None:
    """``None`` removes a limit."""
    splitter = LineSplitter(max_line_bytes=None, max_reply_bytes=None)
    piece = b"x" * (1024 * 1024)
    for _ in range(20):
        assert splitter.feed(piece) == []
    assert [len(line) for line in splitter.flush()] == [20 * len(piece)]


@pytest.mark.parametrize("value", [0, -1, True])
def test_line_splitter_rejects_a_limit_that_is_not_positive(value: int) -> None:
    """A limit of zero or less (or a bool) is misuse, named in the message."""
    with pytest.raises(ValueError, match="max_line_bytes"):
        LineSplitter(max_line_bytes=value)
