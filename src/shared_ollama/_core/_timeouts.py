"""Load-aware timeouts: which limit applies to each phase of a call, decided without I/O.

A cold model is loaded before Ollama sends the first byte, which can take minutes; a warm one
answers within seconds. So the first-byte limit is short when ``/api/ps`` shows the model loaded
and long when it does not; a stream then gets its own limit between chunks, and a call may have an
overall deadline. Each expiry raises :class:`~shared_ollama.RequestTimeoutError` naming its phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

__all__ = [
    "DEFAULT_BETWEEN_CHUNKS",
    "DEFAULT_CONNECT",
    "DEFAULT_FIRST_BYTE_COLD",
    "DEFAULT_FIRST_BYTE_WARM",
    "DEFAULT_NON_STREAM",
    "DEFAULT_TIMEOUT_POLICY",
    "PhaseTimeouts",
    "TimeoutPolicy",
    "plan_timeouts",
    "timeout_policy_from",
]

DEFAULT_CONNECT = 3.0
"""Seconds to establish a connection."""
DEFAULT_FIRST_BYTE_WARM = 30.0
"""Seconds until a stream's first byte when the model is already loaded."""
DEFAULT_FIRST_BYTE_COLD = 300.0
"""Seconds until a stream's first byte when the model must load first (Ollama's own load limit)."""
DEFAULT_BETWEEN_CHUNKS = 60.0
"""Seconds a stream may stall between two chunks."""
DEFAULT_NON_STREAM = 600.0
"""Seconds a non-streaming generation may take: Ollama answers only when it has finished."""


@dataclass(frozen=True, slots=True)
class TimeoutPolicy:
    """The limits of each phase of a call, in seconds (``None`` means no limit).

    Attributes:
        connect: Establishing the TCP (and TLS) connection.
        first_byte_warm: Waiting for a stream's first byte when the model is loaded.
        first_byte_cold: The same when the model is not loaded (or nobody knows).
        between_chunks: Waiting for each next chunk of a stream.
        non_stream: A whole non-streaming reply, cold load included: the wait for it and the
            reading of its body together (checked between reads, so a trickle is cut off).
        write: Sending the request body.
        pool: Waiting for a free connection in the client's pool.
        total: The overall deadline of one call, streamed or not, retries, waits and the
            reading of the reply included (opt-in; the only ceiling a stream has).
    """

    connect: float | None = DEFAULT_CONNECT
    first_byte_warm: float | None = DEFAULT_FIRST_BYTE_WARM
    first_byte_cold: float | None = DEFAULT_FIRST_BYTE_COLD
    between_chunks: float | None = DEFAULT_BETWEEN_CHUNKS
    non_stream: float | None = DEFAULT_NON_STREAM
    write: float | None = DEFAULT_BETWEEN_CHUNKS
    pool: float | None = DEFAULT_BETWEEN_CHUNKS
    total: float | None = None

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(
                    f"TimeoutPolicy.{name}={value!r} must be a positive number of seconds or None "
                    "for no limit."
                )

    @classmethod
    def uniform(cls, seconds: float | None) -> TimeoutPolicy:
        """Every phase limited to ``seconds`` (what ``timeout=30`` means, as in ``ollama``)."""
        return cls(seconds, seconds, seconds, seconds, seconds, seconds, seconds, None)


DEFAULT_TIMEOUT_POLICY = TimeoutPolicy()


@dataclass(frozen=True, slots=True)
class PhaseTimeouts:
    """The limits for one attempt, as ``httpx`` wants them, plus the stream's between-chunk limit."""

    connect: float | None
    read: float | None
    write: float | None
    pool: float | None
    between_chunks: float | None

    def as_httpx(self) -> dict[str, Any]:
        """The ``timeout`` request extension ``httpx`` reads."""
        return {"connect": self.connect, "read": self.read, "write": self.write, "pool": self.pool}


def _cap(limit: float | None, remaining: float | None) -> float | None:
    if remaining is None:
        return limit
    remaining = max(remaining, 0.001)
    return remaining if limit is None else min(limit, remaining)


def plan_timeouts(
    policy: TimeoutPolicy, *, stream: bool, warm: bool | None, remaining: float | None
) -> PhaseTimeouts:
    """The limits for the next attempt.

    Args:
        policy: The client's limits.
        stream: Whether the reply streams (then the read limit is the first-byte one).
        warm: ``True`` when the model is loaded, ``False`` when not, ``None`` when unknown or the
            call loads no model (treated as cold: a wrong guess must not cut a load short).
        remaining: Seconds left before the call's overall deadline, if it has one; every limit
            is capped by it.
    """
    if stream:
        read = policy.first_byte_warm if warm else policy.first_byte_cold
    else:
        read = policy.non_stream
    return PhaseTimeouts(
        connect=_cap(policy.connect, remaining),
        read=_cap(read, remaining),
        write=_cap(policy.write, remaining),
        pool=_cap(policy.pool, remaining),
        between_chunks=_cap(policy.between_chunks, remaining),
    )


def timeout_policy_from(value: object) -> TimeoutPolicy:
    """Interpret the ``timeout=`` argument the way ``ollama.Client`` users expect.

    ``None`` means no limit at all (``ollama``'s default), a number limits every phase to that
    many seconds, an ``httpx.Timeout`` maps phase by phase, and a :class:`TimeoutPolicy` is used
    as given.
    """
    if isinstance(value, TimeoutPolicy):
        return value
    if value is None:
        return TimeoutPolicy(None, None, None, None, None, None, None, None)
    if isinstance(value, bool):
        raise TypeError("timeout= takes seconds, an httpx.Timeout or a TimeoutPolicy, not a bool")
    if isinstance(value, int | float):
        return TimeoutPolicy.uniform(float(value))
    if isinstance(value, httpx.Timeout):
        read = value.read
        return TimeoutPolicy(value.connect, read, read, read, read, value.write, value.pool, None)
    raise TypeError(
        f"timeout={value!r} is not understood: give seconds (e.g. 30), None for no limit, an "
        "httpx.Timeout or a shared_ollama.TimeoutPolicy."
    )
