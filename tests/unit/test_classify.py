"""The one failure classifier: every branch of the error tree, and the retry/breaker tables."""

from __future__ import annotations

import asyncio

import pytest

from shared_ollama import _errors
from shared_ollama._errors import (
    CapabilityError,
    CassetteMissError,
    CircuitOpenError,
    InvalidRequestError,
    ModelNotFoundError,
    OllamaUnavailableError,
    ReplyTooLargeError,
    RequestError,
    RequestTimeoutError,
    ResponseError,
    ServerBusyError,
    ServerError,
    SharedOllamaError,
    StreamInterruptedError,
    TransportError,
)
from shared_ollama._resilience._classify import (
    FailureClass,
    classify,
    counts_as_breaker_failure,
    max_retries_for,
    retry_allowance,
)
from shared_ollama._resilience._policy import RetryPolicy

HOST = "http://127.0.0.1:11434"


def _response(kind: type[ResponseError], status: int) -> ResponseError:
    return kind("failed", status_code=status, error="boom", host=HOST)


CASES: list[tuple[str, BaseException, FailureClass | None]] = [
    ("refused", OllamaUnavailableError("refused", request_sent=False), FailureClass.NOT_SENT),
    (
        "reset after send",
        OllamaUnavailableError("reset", request_sent=True),
        FailureClass.SERVER_FAULT,
    ),
    ("connect timeout", RequestTimeoutError("t", phase="connect"), FailureClass.NOT_SENT),
    ("pool timeout", RequestTimeoutError("t", phase="pool"), FailureClass.NOT_SENT),
    ("write timeout", RequestTimeoutError("t", phase="write"), FailureClass.SERVER_FAULT),
    ("first byte timeout", RequestTimeoutError("t", phase="first_byte"), FailureClass.SERVER_FAULT),
    (
        "stalled stream",
        RequestTimeoutError("t", phase="between_chunks"),
        FailureClass.BROKEN_STREAM,
    ),
    ("total timeout", RequestTimeoutError("t", phase="total"), FailureClass.SERVER_FAULT),
    ("protocol error", TransportError("bad framing"), FailureClass.SERVER_FAULT),
    ("queue full", _response(ServerBusyError, 503), FailureClass.OVERLOAD),
    ("too many requests", _response(ServerBusyError, 429), FailureClass.OVERLOAD),
    ("runner crash", _response(ServerError, 500), FailureClass.SERVER_FAULT),
    ("bad gateway", _response(ServerError, 502), FailureClass.SERVER_FAULT),
    ("gateway timeout", _response(ServerError, 504), FailureClass.SERVER_FAULT),
    ("bad request", _response(InvalidRequestError, 400), FailureClass.CALLER_ERROR),
    ("not found", _response(ModelNotFoundError, 404), FailureClass.CALLER_ERROR),
    ("client cancelled", _response(ResponseError, 499), FailureClass.CALLER_ERROR),
    ("plain 503", _response(ResponseError, 503), FailureClass.OVERLOAD),
    ("plain 500", _response(ResponseError, 500), FailureClass.SERVER_FAULT),
    (
        "capability",
        CapabilityError("no tools", status_code=400, error="x", capability="tools"),
        FailureClass.CALLER_ERROR,
    ),
    (
        "error line mid-stream",
        StreamInterruptedError("broke", partial="Hel", chunks_received=3, error="x"),
        FailureClass.BROKEN_STREAM,
    ),
    (
        "reply over its size limit",
        ReplyTooLargeError(
            "too big", limit="max_line_bytes", maximum=10, partial="Hel", chunks_received=3
        ),
        FailureClass.BROKEN_STREAM,
    ),
    ("circuit open", CircuitOpenError("open", retry_after=3.0), None),
    (
        "cassette miss",
        CassetteMissError(
            "miss",
            method="POST",
            path="/api/chat",
            model="m",
            body_digest="sha256:0",
            cassettes="c",
            command="record",
        ),
        None,
    ),
    ("misuse", RequestError("model is required"), None),
    ("bare root", SharedOllamaError("?"), None),
    ("foreign", ValueError("not ours"), None),
    ("task cancelled", asyncio.CancelledError(), None),
    ("ctrl-c", KeyboardInterrupt(), None),
    ("generator closed", GeneratorExit(), None),
]


@pytest.mark.parametrize(("exc", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_classify_maps_each_error_to_its_class(
    exc: BaseException, expected: FailureClass | None
) -> None:
    """Each example from the issue's table lands in its failure class (or none)."""
    assert classify(exc) is expected


def test_classify_covers_every_class_of_the_error_tree() -> None:
    """Every exception class exported by _errors appears in the table, so none is forgotten."""
    exported = {
        obj
        for name in _errors.__all__
        if isinstance(obj := getattr(_errors, name), type) and issubclass(obj, BaseException)
    }
    tabled = {type(exc) for _, exc, _ in CASES}
    assert exported - tabled == set()


@pytest.mark.parametrize(
    ("failure_class", "attempts", "expected"),
    [
        (FailureClass.NOT_SENT, 3, 2),
        (FailureClass.NOT_SENT, 5, 4),
        (FailureClass.OVERLOAD, 3, 1),
        (FailureClass.SERVER_FAULT, 3, 1),
        (FailureClass.CALLER_ERROR, 3, 0),
        (FailureClass.BROKEN_STREAM, 3, 0),
        (FailureClass.NOT_SENT, 1, 0),
        (FailureClass.OVERLOAD, 1, 0),
        (FailureClass.SERVER_FAULT, 1, 0),
    ],
)
def test_max_retries_for_follows_the_table(
    failure_class: FailureClass, attempts: int, expected: int
) -> None:
    """Not-sent failures may use every attempt; overload and faults one retry; others none."""
    assert max_retries_for(failure_class, RetryPolicy(attempts=attempts)) == expected


def test_retry_allowance_is_zero_once_the_deadline_is_spent() -> None:
    """A total timeout is a server fault that is never retried, unlike a first-byte timeout."""
    policy = RetryPolicy()
    assert retry_allowance(RequestTimeoutError("t", phase="total"), policy) == 0
    assert retry_allowance(RequestTimeoutError("t", phase="first_byte"), policy) == 1
    assert retry_allowance(RequestTimeoutError("t", phase="connect"), policy) == 2
    assert retry_allowance(ValueError("not ours"), policy) == 0


@pytest.mark.parametrize(
    ("failure_class", "expected"),
    [
        (FailureClass.NOT_SENT, True),
        (FailureClass.OVERLOAD, True),
        (FailureClass.SERVER_FAULT, True),
        (FailureClass.CALLER_ERROR, False),
        (FailureClass.BROKEN_STREAM, True),
    ],
)
def test_counts_as_breaker_failure_spares_only_caller_errors(
    failure_class: FailureClass, expected: bool
) -> None:
    """Caller errors are never held against the server; every other class is."""
    assert counts_as_breaker_failure(failure_class) is expected
