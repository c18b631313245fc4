"""Frozen policies for retries and the circuit breaker, and the switch that makes waits instant.

Every number the resilience core uses is a named ``DEFAULT_*`` constant here, gathered into two
frozen value objects: :class:`RetryPolicy` (how often and how long to retry, and the per-host retry
budget) and :class:`BreakerPolicy` (when a host's circuit opens and how it recovers).

:func:`set_testing` makes every retry wait zero, so test suites that exercise failures stay fast.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

__all__ = [
    "DEFAULT_ATTEMPTS",
    "DEFAULT_BACKOFF_BASE",
    "DEFAULT_BACKOFF_CAP",
    "DEFAULT_BASE_OPEN",
    "DEFAULT_BREAKER_POLICY",
    "DEFAULT_BUDGET_CAPACITY",
    "DEFAULT_BUDGET_FAILURE_COST",
    "DEFAULT_BUDGET_MIN_FRACTION",
    "DEFAULT_BUDGET_SUCCESS_REFUND",
    "DEFAULT_CONSECUTIVE_FAILURES",
    "DEFAULT_FAILURE_RATE",
    "DEFAULT_JITTER",
    "DEFAULT_MAX_OPEN",
    "DEFAULT_MIN_CALLS",
    "DEFAULT_OVERLOAD_DELAY",
    "DEFAULT_PROBE_TIMEOUT",
    "DEFAULT_RETRY_POLICY",
    "DEFAULT_SUCCESSES_TO_CLOSE",
    "DEFAULT_WINDOW",
    "BreakerPolicy",
    "RetryPolicy",
    "is_testing",
    "set_testing",
]

DEFAULT_ATTEMPTS = 3
"""Attempts in all, the first one included."""
DEFAULT_BACKOFF_BASE = 0.5
"""Seconds: the ceiling of the first retry's full-jitter wait; it doubles with each retry."""
DEFAULT_BACKOFF_CAP = 8.0
"""Seconds: no full-jitter wait is ever longer."""
DEFAULT_OVERLOAD_DELAY = (1.0, 2.0)
"""Seconds: the uniform range of the single wait after a busy server (503 queue full, 429)."""
DEFAULT_BUDGET_CAPACITY = 10.0
"""Tokens in a host's retry budget when it is full."""
DEFAULT_BUDGET_FAILURE_COST = 1.0
"""Tokens each failed attempt takes from the budget."""
DEFAULT_BUDGET_SUCCESS_REFUND = 0.1
"""Tokens each successful attempt gives back (never above capacity)."""
DEFAULT_BUDGET_MIN_FRACTION = 0.5
"""Retries are allowed only while more than this fraction of the capacity remains."""

DEFAULT_CONSECUTIVE_FAILURES = 5
"""Consecutive failures that open a closed circuit."""
DEFAULT_FAILURE_RATE = 0.5
"""Failure fraction over the rolling window that opens a closed circuit."""
DEFAULT_MIN_CALLS = 10
"""Calls the rolling window must hold before its failure rate can open the circuit."""
DEFAULT_WINDOW = 30.0
"""Seconds covered by the rolling window."""
DEFAULT_BASE_OPEN = 5.0
"""Seconds the circuit stays open after its first opening; doubles with each further opening."""
DEFAULT_MAX_OPEN = 120.0
"""Seconds: the longest the circuit ever stays open."""
DEFAULT_JITTER = 0.2
"""Relative jitter (plus or minus) applied to each open duration."""
DEFAULT_PROBE_TIMEOUT = 30.0
"""Seconds a half-open probe may hold its permit before another probe is let through."""
DEFAULT_SUCCESSES_TO_CLOSE = 2
"""Consecutive successful probes that close a half-open circuit."""

_TESTING = threading.Event()


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _finite(value: float) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a call is retried, and the per-host retry budget that bounds retries overall.

    Waits follow full jitter, ``uniform(0, min(backoff_cap, backoff_base * 2**n))`` for the
    ``n``-th retry (``n`` from 0), except after a busy server, where the single retry waits
    ``uniform(*overload_delay)``. A host's budget holds ``budget_capacity`` tokens; each failed
    attempt costs ``budget_failure_cost``, each success refunds ``budget_success_refund``, and
    retries are allowed only while more than ``budget_min_fraction`` of the capacity remains.

    Attributes:
        attempts: Attempts in all, the first included (1 disables retries).
        backoff_base: Ceiling in seconds of the first retry's wait.
        backoff_cap: Longest wait in seconds.
        overload_delay: ``(low, high)`` seconds to wait before retrying a busy server.
        budget_capacity: Tokens in a full retry budget.
        budget_failure_cost: Tokens a failed attempt costs.
        budget_success_refund: Tokens a successful attempt refunds.
        budget_min_fraction: Fraction of capacity that must be exceeded to retry.
    """

    attempts: int = DEFAULT_ATTEMPTS
    backoff_base: float = DEFAULT_BACKOFF_BASE
    backoff_cap: float = DEFAULT_BACKOFF_CAP
    overload_delay: tuple[float, float] = DEFAULT_OVERLOAD_DELAY
    budget_capacity: float = DEFAULT_BUDGET_CAPACITY
    budget_failure_cost: float = DEFAULT_BUDGET_FAILURE_COST
    budget_success_refund: float = DEFAULT_BUDGET_SUCCESS_REFUND
    budget_min_fraction: float = DEFAULT_BUDGET_MIN_FRACTION

    def __post_init__(self) -> None:
        _require(
            isinstance(self.attempts, int) and self.attempts >= 1,
            f"RetryPolicy.attempts must be an int >= 1 (1 disables retries), got {self.attempts!r}",
        )
        _require(
            _finite(self.backoff_base) and self.backoff_base >= 0,
            f"RetryPolicy.backoff_base must be seconds >= 0, got {self.backoff_base!r}",
        )
        _require(
            _finite(self.backoff_cap) and self.backoff_cap >= self.backoff_base,
            f"RetryPolicy.backoff_cap must be seconds >= backoff_base ({self.backoff_base!r}), "
            f"got {self.backoff_cap!r}",
        )
        low, high = self.overload_delay
        _require(
            _finite(low) and _finite(high) and 0 <= low <= high,
            f"RetryPolicy.overload_delay must be (low, high) seconds with 0 <= low <= high, "
            f"got {self.overload_delay!r}",
        )
        _require(
            _finite(self.budget_capacity) and self.budget_capacity > 0,
            f"RetryPolicy.budget_capacity must be > 0 tokens, got {self.budget_capacity!r}",
        )
        for name in ("budget_failure_cost", "budget_success_refund"):
            value = getattr(self, name)
            _require(
                _finite(value) and value >= 0,
                f"RetryPolicy.{name} must be >= 0 tokens, got {value!r}",
            )
        _require(
            _finite(self.budget_min_fraction) and 0 <= self.budget_min_fraction < 1,
            f"RetryPolicy.budget_min_fraction must be in [0, 1), got {self.budget_min_fraction!r}",
        )


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """When a host's circuit opens, how long it stays open, and how it closes again.

    A closed circuit opens after ``consecutive_failures`` failures in a row, or when at least
    ``failure_rate`` of at least ``min_calls`` calls in the last ``window`` seconds failed. Its
    ``k``-th consecutive opening lasts ``min(max_open, base_open * 2**(k-1) * (1 ± jitter))``
    seconds. Then one probe at a time is let through (a probe holding its permit longer than
    ``probe_timeout`` loses it, and its late answer is not counted); ``successes_to_close``
    successful probes in a row close it, and a failed probe opens it again. A probe is decided
    when the server answers it: a successful status counts as its success there and then, so a
    probe that goes on streaming for longer than ``probe_timeout`` has counted already.

    Attributes:
        consecutive_failures: Failures in a row that open the circuit.
        failure_rate: Failure fraction over the window that opens the circuit.
        min_calls: Calls in the window before the failure rate counts.
        window: Seconds covered by the rolling window.
        base_open: Seconds open after the first opening.
        max_open: Longest open duration in seconds.
        jitter: Relative jitter of open durations, in ``[0, 1)``.
        probe_timeout: Seconds a probe may hold the half-open permit.
        successes_to_close: Successful probes in a row that close the circuit.
        enabled: ``False`` turns the breaker off: every call is let through.
    """

    consecutive_failures: int = DEFAULT_CONSECUTIVE_FAILURES
    failure_rate: float = DEFAULT_FAILURE_RATE
    min_calls: int = DEFAULT_MIN_CALLS
    window: float = DEFAULT_WINDOW
    base_open: float = DEFAULT_BASE_OPEN
    max_open: float = DEFAULT_MAX_OPEN
    jitter: float = DEFAULT_JITTER
    probe_timeout: float = DEFAULT_PROBE_TIMEOUT
    successes_to_close: int = DEFAULT_SUCCESSES_TO_CLOSE
    enabled: bool = True

    def __post_init__(self) -> None:
        for name in ("consecutive_failures", "min_calls", "successes_to_close"):
            value = getattr(self, name)
            _require(
                isinstance(value, int) and value >= 1,
                f"BreakerPolicy.{name} must be an int >= 1, got {value!r}",
            )
        _require(
            _finite(self.failure_rate) and 0 < self.failure_rate <= 1,
            f"BreakerPolicy.failure_rate must be in (0, 1], got {self.failure_rate!r}",
        )
        for name in ("window", "base_open", "probe_timeout"):
            value = getattr(self, name)
            _require(
                _finite(value) and value > 0,
                f"BreakerPolicy.{name} must be seconds > 0, got {value!r}",
            )
        _require(
            _finite(self.max_open) and self.max_open >= self.base_open,
            f"BreakerPolicy.max_open must be seconds >= base_open ({self.base_open!r}), "
            f"got {self.max_open!r}",
        )
        _require(
            _finite(self.jitter) and 0 <= self.jitter < 1,
            f"BreakerPolicy.jitter must be in [0, 1), got {self.jitter!r}",
        )


DEFAULT_RETRY_POLICY = RetryPolicy()
"""Three attempts, full-jitter backoff from 0.5 s capped at 8 s, a 10-token budget per host."""
DEFAULT_BREAKER_POLICY = BreakerPolicy()
"""Open on 5 failures in a row or on 50% of 10+ calls in 30 s; open 5 s doubling up to 120 s."""


def set_testing(enabled: bool) -> None:
    """Make every retry wait zero (``True``) or restore real waits (``False``).

    Meant for test suites: decisions (what is retried, how often, the budget) are unchanged, only
    the waits vanish.

    Args:
        enabled: Whether testing mode is on.
    """
    if enabled:
        _TESTING.set()
    else:
        _TESTING.clear()


def is_testing() -> bool:
    """Whether :func:`set_testing` turned waits off."""
    return _TESTING.is_set()
