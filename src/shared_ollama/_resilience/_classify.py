"""The one classification of failures that retries, the circuit breaker and health checks share.

=============  ===============================================  ===============  ==============
class          examples                                         retries          breaker
=============  ===============================================  ===============  ==============
NOT_SENT       refused, DNS, connect or pool timeout            attempts - 1     failure
OVERLOAD       503 queue full, 429                              1 (1-2 s wait)   failure
SERVER_FAULT   5xx, write/first-byte timeout, reset after send  1                failure
CALLER_ERROR   400, 404, capability, 499 (client cancelled)     0                neither
BROKEN_STREAM  ``{"error"}`` line or stall after the 1st chunk  0                failure
=============  ===============================================  ===============  ==============

A ``total`` timeout is a server fault that is never retried: the call's deadline is spent.
Exceptions that are not ours, misuse, and :class:`CircuitOpenError` are not failures at all
(:func:`classify` returns ``None``): they are never retried and never counted.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from shared_ollama._errors import (
    OllamaUnavailableError,
    RequestTimeoutError,
    ResponseError,
    ServerBusyError,
    ServerError,
    StreamInterruptedError,
    TimeoutPhase,
    TransportError,
)

if TYPE_CHECKING:
    from shared_ollama._resilience._policy import RetryPolicy

__all__ = [
    "FailureClass",
    "classify",
    "counts_as_breaker_failure",
    "max_retries_for",
    "retry_allowance",
]


class FailureClass(enum.Enum):
    """What kind of failure an exception is, which decides how it is retried and counted."""

    NOT_SENT = "not_sent"
    """The request never reached the server: always safe to retry."""
    OVERLOAD = "overload"
    """The server is alive but its queue is full: retry once after a pause."""
    SERVER_FAULT = "server_fault"
    """The server failed after the request was sent, before the first byte: retry once."""
    CALLER_ERROR = "caller_error"
    """The request is wrong or was cancelled: never retried, never held against the server."""
    BROKEN_STREAM = "broken_stream"
    """The response broke after its first byte: never retried, counted against the server."""


_TIMEOUT_CLASSES: dict[TimeoutPhase, FailureClass] = {
    "connect": FailureClass.NOT_SENT,
    "pool": FailureClass.NOT_SENT,
    "write": FailureClass.SERVER_FAULT,
    "first_byte": FailureClass.SERVER_FAULT,
    "between_chunks": FailureClass.BROKEN_STREAM,
    "reply": FailureClass.BROKEN_STREAM,
    "total": FailureClass.SERVER_FAULT,
}

_BUSY_STATUSES = frozenset({429, 503})

_BY_TYPE: tuple[tuple[type[BaseException], FailureClass], ...] = (
    (ServerBusyError, FailureClass.OVERLOAD),
    (ServerError, FailureClass.SERVER_FAULT),
    (TransportError, FailureClass.SERVER_FAULT),  # reset after sending, protocol or read error
    (StreamInterruptedError, FailureClass.BROKEN_STREAM),
)


def classify(exc: BaseException) -> FailureClass | None:
    """Classify an exception from the error tree, or return ``None`` when it is no server failure.

    Args:
        exc: The exception an attempt raised.

    Returns:
        The failure class, or ``None`` for exceptions that are not ours (including cancellation),
        :class:`~shared_ollama.CircuitOpenError`, and misuse caught before sending.
    """
    if isinstance(exc, RequestTimeoutError):
        return _TIMEOUT_CLASSES.get(exc.phase, FailureClass.SERVER_FAULT)
    if isinstance(exc, OllamaUnavailableError) and not exc.request_sent:
        return FailureClass.NOT_SENT
    if isinstance(exc, ResponseError) and not isinstance(exc, (ServerBusyError, ServerError)):
        return _classify_status(exc.status_code)
    return next((cls for kind, cls in _BY_TYPE if isinstance(exc, kind)), None)


def _classify_status(status_code: int) -> FailureClass:
    if status_code in _BUSY_STATUSES:
        return FailureClass.OVERLOAD
    if status_code >= 500:
        return FailureClass.SERVER_FAULT
    return FailureClass.CALLER_ERROR


def max_retries_for(failure_class: FailureClass, policy: RetryPolicy) -> int:
    """How many retries a call may spend on failures of one class.

    Args:
        failure_class: The class of the failures.
        policy: The retry policy (its ``attempts`` bounds every class).

    Returns:
        ``attempts - 1`` for NOT_SENT, at most 1 for OVERLOAD and SERVER_FAULT, 0 otherwise.
    """
    all_retries = policy.attempts - 1
    if failure_class is FailureClass.NOT_SENT:
        return all_retries
    if failure_class in (FailureClass.OVERLOAD, FailureClass.SERVER_FAULT):
        return min(1, all_retries)
    return 0


def retry_allowance(exc: BaseException, policy: RetryPolicy) -> int:
    """How many retries a call may spend on failures like ``exc`` (0 when the deadline is spent).

    Args:
        exc: The exception an attempt raised.
        policy: The retry policy.

    Returns:
        :func:`max_retries_for` of its class; 0 for unclassified exceptions and ``total`` timeouts.
    """
    failure_class = classify(exc)
    if failure_class is None:
        return 0
    if isinstance(exc, RequestTimeoutError) and exc.phase == "total":
        return 0
    return max_retries_for(failure_class, policy)


def counts_as_breaker_failure(failure_class: FailureClass) -> bool:
    """Whether failures of this class count against the server (breaker, budget, health).

    Args:
        failure_class: The class of the failure.

    Returns:
        ``False`` only for CALLER_ERROR.
    """
    return failure_class is not FailureClass.CALLER_ERROR
