"""The per-host retry budget: a token bucket that keeps retries from multiplying load.

Each failed attempt costs a token, each success refunds a tenth of one, and retries are allowed
only while more than half the tokens remain. Once a server is dead or flooded the bucket drains
and callers stop retrying, so it sees about one attempt per request (never more than about 1.2 on
average), however many clients share it.
"""

from __future__ import annotations

import threading

from shared_ollama._resilience._policy import (
    DEFAULT_BUDGET_CAPACITY,
    DEFAULT_BUDGET_FAILURE_COST,
    DEFAULT_BUDGET_MIN_FRACTION,
    DEFAULT_BUDGET_SUCCESS_REFUND,
    DEFAULT_RETRY_POLICY,
    RetryPolicy,
)

__all__ = ["RetryBudget", "budget_for", "reset_budgets"]


class RetryBudget:
    """A thread-safe token bucket deciding whether failed calls to one host may still retry.

    Args:
        capacity: Tokens when full (the bucket starts full).
        failure_cost: Tokens each failed attempt costs (the bucket never goes below zero).
        success_refund: Tokens each successful attempt refunds (never above capacity).
        min_fraction: Retries are allowed only while more than ``capacity * min_fraction`` remain.
    """

    __slots__ = ("_capacity", "_failure_cost", "_lock", "_success_refund", "_threshold", "_tokens")

    def __init__(
        self,
        *,
        capacity: float = DEFAULT_BUDGET_CAPACITY,
        failure_cost: float = DEFAULT_BUDGET_FAILURE_COST,
        success_refund: float = DEFAULT_BUDGET_SUCCESS_REFUND,
        min_fraction: float = DEFAULT_BUDGET_MIN_FRACTION,
    ) -> None:
        RetryPolicy(  # validates the numbers with the policy's messages
            budget_capacity=capacity,
            budget_failure_cost=failure_cost,
            budget_success_refund=success_refund,
            budget_min_fraction=min_fraction,
        )
        self._capacity = float(capacity)
        self._failure_cost = float(failure_cost)
        self._success_refund = float(success_refund)
        self._threshold = self._capacity * min_fraction
        self._tokens = self._capacity
        self._lock = threading.Lock()

    @classmethod
    def from_policy(cls, policy: RetryPolicy = DEFAULT_RETRY_POLICY) -> RetryBudget:
        """Build a full budget from a policy's ``budget_*`` fields."""
        return cls(
            capacity=policy.budget_capacity,
            failure_cost=policy.budget_failure_cost,
            success_refund=policy.budget_success_refund,
            min_fraction=policy.budget_min_fraction,
        )

    @property
    def tokens(self) -> float:
        """Tokens left now."""
        with self._lock:
            return self._tokens

    @property
    def capacity(self) -> float:
        """Tokens when full."""
        return self._capacity

    @property
    def threshold(self) -> float:
        """Retries need strictly more tokens than this."""
        return self._threshold

    def can_retry(self) -> bool:
        """Whether more than the minimum fraction of tokens remains, so a retry is allowed."""
        with self._lock:
            return self._tokens > self._threshold

    def record_failure(self) -> bool:
        """Take a failed attempt's cost from the bucket.

        Returns:
            Whether a retry is still allowed afterwards (decided atomically with the charge).
        """
        with self._lock:
            self._tokens = max(0.0, self._tokens - self._failure_cost)
            return self._tokens > self._threshold

    def record_success(self) -> None:
        """Refund a successful attempt's share, never above capacity."""
        with self._lock:
            self._tokens = min(self._capacity, self._tokens + self._success_refund)

    def refill(self) -> None:
        """Fill the bucket back to capacity (for tests between cases)."""
        with self._lock:
            self._tokens = self._capacity

    def __repr__(self) -> str:
        return f"RetryBudget(tokens={self.tokens:.2f}, capacity={self._capacity:g})"


class _BudgetRegistry:
    """One budget per host, shared by every client of that host in the process."""

    __slots__ = ("_budgets", "_lock")

    def __init__(self) -> None:
        self._budgets: dict[str, RetryBudget] = {}
        self._lock = threading.Lock()

    def get(self, host: str, policy: RetryPolicy) -> RetryBudget:
        key = host.rstrip("/")
        with self._lock:
            budget = self._budgets.get(key)
            if budget is None:
                budget = self._budgets[key] = RetryBudget.from_policy(policy)
            return budget

    def clear(self) -> None:
        with self._lock:
            budgets = list(self._budgets.values())
            self._budgets.clear()
        for budget in budgets:
            budget.refill()


_REGISTRY = _BudgetRegistry()


def budget_for(host: str, policy: RetryPolicy = DEFAULT_RETRY_POLICY) -> RetryBudget:
    """The process-wide retry budget of a host, created from ``policy`` on first use.

    Args:
        host: The host's base URL (a trailing slash is ignored).
        policy: Used only when the budget is created; later calls get the existing one.

    Returns:
        The budget every client of ``host`` in this process shares.
    """
    return _REGISTRY.get(host, policy)


def reset_budgets() -> None:
    """Refill every host's budget and forget them (for tests): the next use starts full."""
    _REGISTRY.clear()
