"""Retry decisions for one call: whether and how long to wait before its next attempt.

:class:`RetryController` is pure: given an attempt's exception it answers how long to wait before
the next attempt, or ``None`` to give up. It gives up when the failure's class is not retried or
its retries are spent, when the host's :class:`~shared_ollama._resilience._retry_budget.RetryBudget`
is too low, when the wait would pass the call's deadline, and always once the first body byte
arrived. The client's one retry loop (``_with_retries`` in ``_core/_async_client.py``) asks it
after each failed attempt::

    while True:
        try:
            return attempt()
        except SharedOllamaError as exc:
            delay = controller.next_delay(exc, first_byte_received=False)
            if delay is None:
                raise
            sleep(delay)

The decision is one answer from shared state (budget, per-class allowance, deadline), so it is
asked once per failure in a plain loop rather than split over tenacity's separate ``retry``,
``wait`` and ``stop`` callbacks.
"""

from __future__ import annotations

import random as _random
import time
from collections.abc import Callable

from shared_ollama._resilience._backoff import full_jitter_delay, overload_delay
from shared_ollama._resilience._classify import (
    FailureClass,
    classify,
    counts_as_breaker_failure,
    retry_allowance,
)
from shared_ollama._resilience._policy import DEFAULT_RETRY_POLICY, RetryPolicy, is_testing
from shared_ollama._resilience._retry_budget import RetryBudget

__all__ = ["RetryController"]


class RetryController:
    """Decides, attempt by attempt, whether and when one call is retried.

    Args:
        policy: Attempts, backoff and overload waits.
        budget: The host's shared retry budget (a private full one when omitted).
        deadline: Absolute time on ``clock`` after which nothing may be slept or retried.
        clock: Monotonic clock in seconds.
        random: Returns a float in ``[0, 1)``; drives the jitter.

    Attributes:
        attempts: Failed attempts settled so far (a success needs no decision: the client's
            loop refunds the host's budget itself).
        retries: Retries granted so far.
    """

    __slots__ = (
        "_budget", "_by_class", "_clock", "_random", "attempts", "deadline", "policy", "retries",
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

    @property
    def budget(self) -> RetryBudget:
        """The retry budget this call draws on."""
        return self._budget

    def remaining(self) -> float | None:
        """Seconds left before the deadline (never negative), or ``None`` without a deadline."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - self._clock())

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
