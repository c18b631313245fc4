"""Retry decisions for one call, and their glue onto ``tenacity`` shared by sync and async clients.

:class:`RetryController` is pure: given an attempt's exception it answers how long to wait before
the next attempt, or ``None`` to give up. It gives up when the failure's class is not retried or
its retries are spent, when the host's :class:`~shared_ollama._resilience._retry_budget.RetryBudget` is too
low, when the wait would pass the call's deadline, and always once the first body byte arrived.

:func:`sync_retrying` and :func:`async_retrying` wrap one controller in ``tenacity.Retrying`` or
``tenacity.AsyncRetrying``; only the sleep differs between them::

    controller = RetryController(budget=budget_for(host), deadline=deadline)
    for attempt in sync_retrying(controller):
        with attempt:
            return send()  # call controller.mark_first_byte() when the body starts

The calling form ``sync_retrying(controller)(send)`` works too. Either way each attempt's outcome
reaches the controller once, even when the ``with`` block returns (tenacity alone would never
see that success, and the host's budget would never be refunded).
"""

from __future__ import annotations

import asyncio
import random as _random
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import tenacity

from shared_ollama._resilience._backoff import full_jitter_delay, overload_delay
from shared_ollama._resilience._classify import (
    FailureClass,
    classify,
    counts_as_breaker_failure,
    retry_allowance,
)
from shared_ollama._resilience._policy import DEFAULT_RETRY_POLICY, RetryPolicy, is_testing
from shared_ollama._resilience._retry_budget import RetryBudget

if TYPE_CHECKING:
    from collections.abc import Generator

    from tenacity import RetryCallState

__all__ = [
    "RetryController",
    "async_retrying",
    "async_sleep",
    "blocking_sleep",
    "sync_retrying",
    "tenacity_kwargs",
]


class RetryController:
    """Decides, attempt by attempt, whether and when one call is retried.

    Args:
        policy: Attempts, backoff and overload waits.
        budget: The host's shared retry budget (a private full one when omitted).
        deadline: Absolute time on ``clock`` after which nothing may be slept or retried.
        clock: Monotonic clock in seconds.
        random: Returns a float in ``[0, 1)``; drives the jitter.

    Attributes:
        attempts: Attempts settled so far (successes and failures).
        retries: Retries granted so far.
        first_byte_received: Whether a response body started; from then on nothing is retried.
        succeeded: Whether the call succeeded (it succeeds at most once).
    """

    __slots__ = (
        "_budget", "_by_class", "_clock", "_random", "attempts", "deadline",
        "first_byte_received", "policy", "retries", "succeeded",
    )  # fmt: skip

    def __init__(
        self,
        *,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        budget: RetryBudget | None = None,
        deadline: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self.policy = policy
        self.deadline = deadline
        self._budget = budget if budget is not None else RetryBudget.from_policy(policy)
        self._clock = clock
        self._random = random
        self._by_class: dict[FailureClass, int] = {}
        self.attempts = 0
        self.retries = 0
        self.first_byte_received = False
        self.succeeded = False

    @property
    def budget(self) -> RetryBudget:
        """The retry budget this call draws on."""
        return self._budget

    def remaining(self) -> float | None:
        """Seconds left before the deadline (never negative), or ``None`` without a deadline."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - self._clock())

    def mark_first_byte(self) -> None:
        """Note that the response body started: no later failure of this call is retried."""
        self.first_byte_received = True

    def record_success(self) -> None:
        """Note the call's successful attempt, refunding the host's budget (later calls no-op)."""
        if self.succeeded:
            return
        self.succeeded = True
        self.attempts += 1
        self._budget.record_success()

    def next_delay(self, exc: BaseException, *, first_byte_received: bool) -> float | None:
        """Settle a failed attempt and decide the wait before the next one.

        Failures that count against the server are charged to the budget whatever the answer.

        Args:
            exc: The exception the attempt raised.
            first_byte_received: Whether the response body had started (then never retry).

        Returns:
            Seconds to wait before retrying (0 in testing mode), or ``None`` to give up and let
            ``exc`` propagate.
        """
        self.attempts += 1
        failure_class = classify(exc)
        if failure_class is None:
            return None
        budget_allows = counts_as_breaker_failure(failure_class) and self._budget.record_failure()
        spent = self._by_class.get(failure_class, 0)
        if (
            first_byte_received
            or not budget_allows
            or self.retries >= self.policy.attempts - 1
            or spent >= retry_allowance(exc, self.policy)
        ):
            return None
        delay = 0.0 if is_testing() else self._delay(failure_class)
        if self.deadline is not None and self._clock() + delay >= self.deadline:
            return None
        self.retries += 1
        self._by_class[failure_class] = spent + 1
        return delay

    def _delay(self, failure_class: FailureClass) -> float:
        policy = self.policy
        if failure_class is FailureClass.OVERLOAD:
            low, high = policy.overload_delay
            return overload_delay(self._random, low=low, high=high)
        return full_jitter_delay(
            self.retries, base=policy.backoff_base, cap=policy.backoff_cap, random=self._random
        )

    def __repr__(self) -> str:
        return (
            f"RetryController(attempts={self.attempts}, retries={self.retries}, "
            f"deadline={self.deadline!r}, budget={self._budget!r})"
        )


def blocking_sleep(seconds: float) -> None:
    """Sleep the thread for ``seconds`` (not at all in testing mode)."""
    if seconds > 0 and not is_testing():
        time.sleep(seconds)


async def async_sleep(seconds: float) -> None:
    """Sleep the task for ``seconds`` (only yield to the loop in testing mode)."""
    await asyncio.sleep(0 if is_testing() else max(0.0, seconds))


def tenacity_kwargs(
    controller: RetryController,
    *,
    sleep: Callable[[float], None] | Callable[[float], Awaitable[None]] = blocking_sleep,
) -> dict[str, Any]:
    """Keyword arguments for ``tenacity.Retrying`` / ``AsyncRetrying`` driven by ``controller``.

    Each attempt's outcome reaches the controller exactly once: successes refund the budget,
    failures go through :meth:`RetryController.next_delay`. When it gives up, the attempt's own
    exception propagates (``reraise=True``), never a ``tenacity.RetryError``.

    Args:
        controller: The call's controller.
        sleep: How to wait (an async function for ``AsyncRetrying``).

    Returns:
        ``retry``, ``wait``, ``stop``, ``reraise`` and ``sleep`` for tenacity.
    """
    decision: list[float | None] = [None]

    def retry(state: RetryCallState) -> bool:
        outcome = state.outcome
        if outcome is None:  # pragma: no cover - tenacity sets the outcome before asking
            return False
        if not outcome.failed:
            controller.record_success()
            return False
        exc = outcome.exception()
        if exc is None:  # pragma: no cover - a failed outcome always holds its exception
            return False
        decision[0] = controller.next_delay(exc, first_byte_received=controller.first_byte_received)
        return decision[0] is not None

    def wait(state: RetryCallState) -> float:
        return decision[0] or 0.0

    def stop(state: RetryCallState) -> bool:
        return decision[0] is None

    return {"retry": retry, "wait": wait, "stop": stop, "reraise": True, "sleep": sleep}


class _SettlingAttempt(tenacity.AttemptManager):
    """Tenacity's attempt context, which also reports a success that returns from the block."""

    def __init__(self, retry_state: RetryCallState, controller: RetryController) -> None:
        super().__init__(retry_state)
        self._controller = controller

    def __exit__(
        self, exc_type: Any, exc_value: BaseException | None, traceback: Any
    ) -> bool | None:
        if exc_value is None:
            self._controller.record_success()
        return super().__exit__(exc_type, exc_value, traceback)

    async def __aexit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> bool | None:
        return self.__exit__(exc_type, exc_value, traceback)


class _Retrying(tenacity.Retrying):
    """``tenacity.Retrying`` for one call (not for ``wraps``), yielding settling attempts."""

    controller: RetryController

    def __iter__(self) -> Generator[tenacity.AttemptManager, None, None]:
        for attempt in super().__iter__():
            yield _SettlingAttempt(attempt.retry_state, self.controller)


class _AsyncRetrying(tenacity.AsyncRetrying):
    """``tenacity.AsyncRetrying`` for one call (not for ``wraps``), yielding settling attempts."""

    controller: RetryController

    async def __anext__(self) -> tenacity.AttemptManager:
        attempt = await super().__anext__()
        return _SettlingAttempt(attempt.retry_state, self.controller)


def sync_retrying(
    controller: RetryController, *, sleep: Callable[[float], None] = blocking_sleep
) -> tenacity.Retrying:
    """A ``tenacity.Retrying`` for one blocking call, driven by ``controller``.

    Use it once, as ``for attempt in ...: with attempt: ...`` or as ``...(fn, *args)``.
    """
    retrying = _Retrying(**tenacity_kwargs(controller, sleep=sleep))
    retrying.controller = controller
    return retrying


def async_retrying(
    controller: RetryController, *, sleep: Callable[[float], Awaitable[None]] = async_sleep
) -> tenacity.AsyncRetrying:
    """A ``tenacity.AsyncRetrying`` for one async call, driven by ``controller``.

    Use it once, as ``async for attempt in ...: with attempt: ...`` or as ``await ...(fn)``.
    """
    retrying = _AsyncRetrying(**tenacity_kwargs(controller, sleep=sleep))
    retrying.controller = controller
    return retrying
