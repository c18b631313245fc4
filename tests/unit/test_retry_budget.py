"""The per-host retry budget: token arithmetic, thread safety, and ~1.2 attempts under failure."""

from __future__ import annotations

import random
import threading

import pytest

from shared_ollama._errors import OllamaUnavailableError, ServerError
from shared_ollama._resilience._policy import RetryPolicy
from shared_ollama._resilience._retry_budget import RetryBudget, budget_for, reset_budgets
from shared_ollama._resilience._retrying import RetryController


def test_retry_budget_starts_full_and_allows_retries() -> None:
    """A new budget holds its capacity and allows a retry."""
    budget = RetryBudget()
    assert budget.tokens == budget.capacity == 10.0
    assert budget.threshold == 5.0
    assert budget.can_retry() is True


def test_retry_budget_needs_more_than_half_to_retry() -> None:
    """Four failures leave 6 tokens (retry allowed); the fifth leaves exactly half (refused)."""
    budget = RetryBudget()
    assert [budget.record_failure() for _ in range(5)] == [True, True, True, True, False]
    assert budget.tokens == 5.0
    assert budget.can_retry() is False


def test_retry_budget_never_goes_below_zero() -> None:
    """Failures past an empty bucket keep it at zero."""
    budget = RetryBudget()
    for _ in range(25):
        budget.record_failure()
    assert budget.tokens == 0.0


def test_retry_budget_refunds_a_tenth_per_success_up_to_capacity() -> None:
    """Each success adds 0.1 token and the bucket never overflows."""
    budget = RetryBudget()
    budget.record_failure()
    budget.record_success()
    assert budget.tokens == pytest.approx(9.1)
    for _ in range(100):
        budget.record_success()
    assert budget.tokens == 10.0


def test_retry_budget_recovers_after_enough_successes() -> None:
    """From empty, 40 successes are not enough to retry again and 60 are."""
    budget = RetryBudget()
    for _ in range(10):
        budget.record_failure()
    for _ in range(40):
        budget.record_success()
    assert budget.can_retry() is False
    for _ in range(20):
        budget.record_success()
    assert budget.can_retry() is True


def test_retry_budget_from_policy_uses_the_budget_fields() -> None:
    """from_policy copies capacity, cost, refund and threshold from the policy."""
    policy = RetryPolicy(
        budget_capacity=4.0,
        budget_failure_cost=2.0,
        budget_success_refund=1.0,
        budget_min_fraction=0.25,
    )
    budget = RetryBudget.from_policy(policy)
    assert (budget.capacity, budget.threshold) == (4.0, 1.0)
    assert budget.record_failure() is True
    assert budget.record_failure() is False
    budget.record_success()
    assert budget.tokens == 1.0
    assert "capacity=4" in repr(budget)


def test_retry_budget_rejects_a_bad_capacity() -> None:
    """Invalid numbers fail with the policy's message."""
    with pytest.raises(ValueError, match="budget_capacity"):
        RetryBudget(capacity=0.0)


def test_retry_budget_arithmetic_is_thread_safe() -> None:
    """Concurrent charges from many threads are all applied: none is lost."""
    budget = RetryBudget(capacity=1_000_000.0, success_refund=1.0)
    start = threading.Barrier(8)

    def charge() -> None:
        start.wait()
        for _ in range(2_000):
            budget.record_failure()

    threads = [threading.Thread(target=charge) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert budget.tokens == 1_000_000.0 - 16_000


def _simulate(requests: int, failure_probability: float, seed: int) -> int:
    """Run requests through controllers sharing one budget; return the attempts made."""
    budget = RetryBudget()
    outcomes = random.Random(seed)
    attempts = 0
    for _ in range(requests):
        controller = RetryController(budget=budget, random=lambda: 0.0)
        while True:
            attempts += 1
            if outcomes.random() >= failure_probability:
                budget.record_success()  # what the clients' loop does
                break
            error = (
                OllamaUnavailableError("refused")
                if outcomes.random() < 0.5
                else ServerError("crash", status_code=500, error="x")
            )
            if controller.next_delay(error, first_byte_received=False) is None:
                break
    return attempts


def test_retry_budget_keeps_total_failure_near_one_attempt_per_request() -> None:
    """1000 requests to a dead server make at most 1.2 attempts each, plus a small constant."""
    requests = 1000
    attempts = _simulate(requests, failure_probability=1.0, seed=1)
    assert attempts <= 1.2 * requests + 10
    assert attempts >= requests


@pytest.mark.parametrize("failure_probability", [0.02, 0.09, 0.2, 0.5, 0.9])
def test_retry_budget_bounds_attempts_under_partial_failure(failure_probability: float) -> None:
    """Whatever the failure rate, attempts per request stay under about 1.2 in the long run."""
    requests = 5000
    attempts = _simulate(requests, failure_probability=failure_probability, seed=7)
    assert attempts <= 1.2 * requests + 10


def test_budget_for_shares_one_budget_per_host() -> None:
    """Clients of one host share its budget; another host has its own; reset starts afresh."""
    reset_budgets()
    try:
        first = budget_for("http://a:11434")
        assert budget_for("http://a:11434/") is first
        assert budget_for("http://b:11434") is not first
        first.record_failure()
        reset_budgets()
        assert budget_for("http://a:11434").tokens == 10.0
    finally:
        reset_budgets()


def test_reset_budgets_refills_budgets_clients_still_hold() -> None:
    """A budget emptied by failures is full again after the reset, for holders too."""
    held = budget_for("http://held:11434")
    while held.record_failure():
        pass
    assert not held.can_retry()
    reset_budgets()
    assert held.can_retry()
    assert held.tokens == held.capacity
