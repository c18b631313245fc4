"""The per-host circuit breaker: a pure state machine with an injectable monotonic clock.

::

    CLOSED --(5 failures in a row, or >= 50% of >= 10 calls in 30 s)--> OPEN (k-th time)
    OPEN --(after min(120 s, 5 s * 2**(k-1) * (1 ± 20%)))--> HALF_OPEN
    HALF_OPEN --(one probe at a time; 2 successes in a row)--> CLOSED (k reset)
    HALF_OPEN --(a probe fails)--> OPEN (k + 1)

Callers take a :class:`Permit` with :meth:`CircuitBreaker.acquire` before touching the network and
settle it once with the outcome. Caller errors and cancellation count as neither success nor
failure. A lock guards the transitions only; callbacks and logging run outside it.
"""

from __future__ import annotations

import enum
import logging
import random as _random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Literal, TypeAlias

from shared_ollama._errors import CircuitOpenError
from shared_ollama._resilience._backoff import open_duration
from shared_ollama._resilience._classify import FailureClass, classify, counts_as_breaker_failure
from shared_ollama._resilience._policy import DEFAULT_BREAKER_POLICY, BreakerPolicy

__all__ = ["BreakerState", "CircuitBreaker", "Permit", "StateListener"]

logger = logging.getLogger("shared_ollama.breaker")

_Outcome = Literal["success", "failure", "release"]


class BreakerState(enum.Enum):
    """The three states of a circuit breaker."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


StateListener: TypeAlias = Callable[[BreakerState, BreakerState, str], None]
"""Called as ``listener(old_state, new_state, host)`` after a breaker changes state."""
_Event: TypeAlias = tuple[BreakerState, BreakerState, float, int]


class Permit:
    """Leave to make one call through a breaker; settle it exactly once with the outcome.

    Later settlements are ignored. Used as a context manager it records the exception that ends
    the block (or success), unless it was settled inside.

    Attributes:
        is_probe: Whether this permit is the half-open probe.
        issued_at: The breaker clock's reading when the permit was granted.
    """

    __slots__ = ("_breaker", "_serial", "is_probe", "issued_at", "settled")

    def __init__(self, breaker: CircuitBreaker, serial: int, *, is_probe: bool, issued_at: float):
        self._breaker = breaker
        self._serial = serial
        self.is_probe = is_probe
        self.issued_at = issued_at
        self.settled = False

    def record(self, exc: BaseException | None) -> None:
        """Settle with an attempt's outcome: ``None`` for success, else the exception it raised.

        Server failures count as failures; caller errors, cancellation (``CancelledError``,
        ``GeneratorExit``, ``KeyboardInterrupt``) and foreign exceptions only release the permit.
        """
        if exc is None:
            self.success()
            return
        failure_class = classify(exc)
        if failure_class is None:
            self.release()
        else:
            self.failure(failure_class)

    def success(self) -> None:
        """Settle as a success."""
        self._breaker._settle(self, "success")

    def failure(self, failure_class: FailureClass) -> None:
        """Settle as a failure of ``failure_class`` (a caller error only releases the permit)."""
        outcome: _Outcome = "failure" if counts_as_breaker_failure(failure_class) else "release"
        self._breaker._settle(self, outcome)

    def release(self) -> None:
        """Hand the permit back without recording an outcome (cancellation, caller error)."""
        self._breaker._settle(self, "release")

    def __enter__(self) -> Permit:
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, traceback: object) -> None:
        if not self.settled:
            self.record(exc)

    def __repr__(self) -> str:
        kind = "probe" if self.is_probe else "call"
        return f"<Permit {kind} host={self._breaker.host!r} settled={self.settled}>"


class CircuitBreaker:
    """The circuit breaker of one host, shared by every client of it.

    Args:
        host: The host's base URL (for messages, logs and callbacks).
        policy: Thresholds and durations.
        clock: Monotonic clock in seconds.
        random: Returns a float in ``[0, 1)``; drives the open-duration jitter.
        on_state_change: Called as ``(old, new, host)`` after each transition, outside the lock.
    """

    __slots__ = (
        "_clock", "_consecutive", "_epoch", "_events", "_lock", "_on_state_change", "_open_until",
        "_openings", "_probe_deadline", "_probe_serial", "_probe_successes", "_random",
        "_serial", "_state", "_window", "host", "policy",
    )  # fmt: skip

    def __init__(
        self,
        host: str,
        *,
        policy: BreakerPolicy = DEFAULT_BREAKER_POLICY,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _random.random,
        on_state_change: StateListener | None = None,
    ) -> None:
        self.host = host
        self.policy = policy
        self._clock = clock
        self._random = random
        self._on_state_change = on_state_change
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._epoch = self._serial = self._openings = self._probe_successes = self._consecutive = 0
        self._open_until = self._probe_deadline = 0.0
        self._probe_serial: int | None = None
        self._window: deque[tuple[float, bool]] = deque()
        self._events: list[_Event] = []  # transitions to announce once the lock is released

    @property
    def state(self) -> BreakerState:
        """The current state (an expired open period turns into HALF_OPEN here)."""
        return self._observe()[0]

    def retry_after(self) -> float:
        """Seconds until a call may be let through (0 when one may go now)."""
        return self._observe()[1]

    def _observe(self) -> tuple[BreakerState, float]:
        with self._lock:
            now = self._clock()
            self._advance(now)
            state, wait, events = self._state, self._wait(now), self._drain()
        self._emit(events)
        return state, wait

    def acquire(self) -> Permit:
        """Get leave to make one call, or fail at once without touching the network.

        Returns:
            A permit to settle with the call's outcome.

        Raises:
            CircuitOpenError: The circuit is open, or half-open with its probe already in flight.
        """
        with self._lock:
            now = self._clock()
            self._advance(now)
            permit = self._grant(now)
            wait, events = (self._wait(now) if permit is None else 0.0), self._drain()
        self._emit(events)
        if permit is None:
            raise CircuitOpenError(
                f"The Ollama server at {self.host} failed repeatedly, so calls to it fail fast "
                f"for now; retry after {wait:.1f} s, or check that the server is running "
                f"and healthy.",
                retry_after=wait,
                host=self.host,
            )
        return permit

    def _grant(self, now: float) -> Permit | None:
        self._serial += 1
        if not self.policy.enabled or self._state is BreakerState.CLOSED:
            return Permit(self, self._serial, is_probe=False, issued_at=now)
        if self._state is BreakerState.HALF_OPEN and (
            self._probe_serial is None or now >= self._probe_deadline
        ):
            self._probe_serial = self._serial
            self._probe_deadline = now + self.policy.probe_timeout
            return Permit(self, self._serial, is_probe=True, issued_at=now)
        return None

    def _wait(self, now: float) -> float:
        if self._state is BreakerState.OPEN:
            return max(0.0, self._open_until - now)
        if self._state is BreakerState.HALF_OPEN and self._probe_serial is not None:
            return max(0.0, self._probe_deadline - now)
        return 0.0

    def _settle(self, permit: Permit, outcome: _Outcome) -> None:
        with self._lock:
            if permit.settled:
                return
            permit.settled = True
            if not self.policy.enabled or permit._serial <= self._epoch:
                return  # breaker off, or stale: granted before the last transition
            now = self._clock()
            self._advance(now)
            if permit.is_probe:
                self._settle_probe(permit, outcome, now)
            elif outcome != "release" and self._state is BreakerState.CLOSED:
                self._count(outcome == "failure", now)
            events = self._drain()
        self._emit(events)

    def _settle_probe(self, permit: Permit, outcome: _Outcome, now: float) -> None:
        if self._state is not BreakerState.HALF_OPEN or permit._serial != self._probe_serial:
            return  # the permit expired and another probe holds the slot
        self._probe_serial = None
        if outcome == "failure":
            self._transition(BreakerState.OPEN, now)
        elif outcome == "success":
            self._probe_successes += 1
            if self._probe_successes >= self.policy.successes_to_close:
                self._transition(BreakerState.CLOSED, now)

    def _count(self, failed: bool, now: float) -> None:
        policy = self.policy
        self._window.append((now, failed))
        while self._window[0][0] <= now - policy.window:
            self._window.popleft()
        self._consecutive = self._consecutive + 1 if failed else 0
        calls = len(self._window)
        failures = sum(f for _, f in self._window) if failed else 0
        if failed and (
            self._consecutive >= policy.consecutive_failures
            or (calls >= policy.min_calls and failures >= policy.failure_rate * calls)
        ):
            self._transition(BreakerState.OPEN, now)

    def _advance(self, now: float) -> None:
        if self._state is BreakerState.OPEN and now >= self._open_until:
            self._transition(BreakerState.HALF_OPEN, now)

    def _drain(self) -> list[_Event]:
        events, self._events = self._events, []
        return events

    def _transition(self, new: BreakerState, now: float) -> None:
        old, self._state = self._state, new
        self._epoch = self._serial  # permits granted so far are stale from now on
        self._probe_serial = None
        self._probe_successes = 0
        self._consecutive = 0
        self._window.clear()
        duration, policy = 0.0, self.policy
        if new is BreakerState.OPEN:
            self._openings += 1
            duration = open_duration(
                self._openings,
                base=policy.base_open,
                cap=policy.max_open,
                jitter=policy.jitter,
                random=self._random,
            )  # fmt: skip
            self._open_until = now + duration
        elif new is BreakerState.CLOSED:
            self._openings = 0
        self._events.append((old, new, duration, self._openings))

    def _emit(self, events: list[_Event]) -> None:
        for old, new, duration, openings in events:
            if new is BreakerState.OPEN:
                logger.warning(
                    "circuit for %s opened (opening %d in a row): calls fail fast for %.1f s",
                    self.host, openings, duration,
                )  # fmt: skip
            else:
                logger.info("circuit for %s went %s -> %s", self.host, old.value, new.value)
            if self._on_state_change is not None:
                try:
                    self._on_state_change(old, new, self.host)
                except Exception:
                    logger.exception("breaker state-change callback failed for %s", self.host)

    def reset(self) -> None:
        """Close the breaker and forget its history, silently (for tests between cases).

        Permits granted before are stale afterwards: settling them changes nothing.
        """
        with self._lock:
            self._transition(BreakerState.CLOSED, self._clock())
            self._events.clear()

    def __repr__(self) -> str:
        return f"CircuitBreaker(host={self.host!r}, state={self._state.value})"
