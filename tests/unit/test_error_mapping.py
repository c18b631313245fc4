"""Every foreign failure becomes one of ours: httpx exceptions, statuses and stream lines."""

from __future__ import annotations

import inspect

import httpx
import pytest

from shared_ollama import (
    OllamaUnavailableError,
    RequestTimeoutError,
    SharedOllamaError,
    StreamInterruptedError,
)
from shared_ollama._core._error_mapping import (
    error_from_exception,
    error_from_stream_line,
    error_text,
)

HOST = "http://127.0.0.1:11434"


def _all_httpx_exceptions() -> list[type[Exception]]:
    return sorted(
        (
            obj
            for obj in vars(httpx).values()
            if inspect.isclass(obj)
            and issubclass(obj, Exception)
            and obj.__module__.startswith("httpx")
        ),
        key=lambda cls: cls.__name__,
    )


def _instance(cls: type[Exception]) -> Exception:
    request = httpx.Request("POST", HOST + "/api/chat")
    if issubclass(cls, httpx.HTTPStatusError):
        return cls("boom", request=request, response=httpx.Response(502, request=request))
    if issubclass(cls, httpx.RequestError):
        return cls("boom", request=request)
    try:
        return cls("boom")
    except TypeError:
        return cls()


@pytest.mark.parametrize("cls", _all_httpx_exceptions(), ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("received", [False, True], ids=["before-first-byte", "mid-stream"])
def test_every_httpx_exception_is_mapped_into_our_tree(
    cls: type[Exception], received: bool
) -> None:
    """No httpx exception escapes: each maps to a SharedOllamaError with a helpful message."""
    mapped = error_from_exception(
        _instance(cls),
        host=HOST,
        model="m",
        received_bytes=received,
        partial="p",
        chunks_received=1,
    )
    assert isinstance(mapped, SharedOllamaError)
    assert HOST in str(mapped)


def test_httpx_exception_list_is_not_empty() -> None:
    """The walk above really walks httpx's exceptions (guards against an empty parametrization)."""
    names = {cls.__name__ for cls in _all_httpx_exceptions()}
    assert {"ConnectError", "ReadTimeout", "RemoteProtocolError", "HTTPStatusError"} <= names


@pytest.mark.parametrize(
    ("exc", "phase"),
    [
        (httpx.ConnectTimeout("t"), "connect"),
        (httpx.PoolTimeout("t"), "pool"),
        (httpx.WriteTimeout("t"), "write"),
        (httpx.ReadTimeout("t"), "first_byte"),
    ],
)
def test_timeouts_name_their_phase(exc: Exception, phase: str) -> None:
    """Each timeout says which phase expired, so "still loading" differs from "hung"."""
    mapped = error_from_exception(exc, host=HOST, model="m", timeout=30.0)
    assert isinstance(mapped, RequestTimeoutError)
    assert mapped.phase == phase
    assert "30 s" in str(mapped)


def test_read_timeout_mid_stream_is_between_chunks() -> None:
    """A read timeout after bytes arrived is a stalled stream."""
    mapped = error_from_exception(httpx.ReadTimeout("t"), host=HOST, model="m", received_bytes=True)
    assert isinstance(mapped, RequestTimeoutError)
    assert mapped.phase == "between_chunks"


def test_connect_error_was_not_sent_but_reset_was() -> None:
    """Refused means never sent (safe to retry); a reset before the reply means maybe sent."""
    refused = error_from_exception(httpx.ConnectError("refused"), host=HOST, model=None)
    reset = error_from_exception(httpx.RemoteProtocolError("reset"), host=HOST, model=None)
    assert isinstance(refused, OllamaUnavailableError)
    assert isinstance(reset, OllamaUnavailableError)
    assert (refused.request_sent, reset.request_sent) == (False, True)


def test_error_line_before_any_chunk_is_classified_like_a_status() -> None:
    """An error as the very first line keeps its meaning (missing model stays ModelNotFound)."""
    from shared_ollama import ModelNotFoundError

    mapped = error_from_stream_line(
        {"error": 'model "x" not found, try pulling it first'},
        partial="",
        chunks_received=0,
        model="x",
        host=HOST,
    )
    assert isinstance(mapped, ModelNotFoundError)
    later = error_from_stream_line(
        {"error": "boom"}, partial="ab", chunks_received=2, model="x", host=HOST
    )
    assert isinstance(later, StreamInterruptedError)
    assert later.partial == "ab"


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (b'{"error":"bad"}', "bad"),
        (b"404 page not found", "404 page not found"),
        (b'{"other":1}', '{"other":1}'),
        (b"  spaced  ", "spaced"),
    ],
)
def test_error_text_reads_json_or_plain_bodies(body: bytes, text: str) -> None:
    """Ollama's error text is taken from JSON when present, else the plain body."""
    assert error_text(body) == text


def test_unreachable_errors_are_connection_errors_as_ollama_raises() -> None:
    """``except ConnectionError`` (what ollama.Client raises) still catches a dead server."""
    from shared_ollama import CircuitOpenError

    refused = error_from_exception(httpx.ConnectError("refused"), host=HOST, model=None)
    assert isinstance(refused, ConnectionError)
    assert isinstance(CircuitOpenError("open", retry_after=1.0, host=HOST), ConnectionError)
    assert refused.host == HOST
    assert str(refused) == refused.message
