"""Resilience policies: defaults, validation with clear messages, and the testing switch."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from shared_ollama._resilience import _policy as rp
from shared_ollama._resilience._policy import (
    DEFAULT_BREAKER_POLICY,
    DEFAULT_RETRY_POLICY,
    BreakerPolicy,
    RetryPolicy,
    is_testing,
    set_testing,
)


def test_retry_policy_defaults_match_the_issue() -> None:
    """Three attempts, 0.5 s base, 8 s cap, 1-2 s after overload, a 10-token budget."""
    expected = RetryPolicy(
        attempts=3,
        backoff_base=0.5,
        backoff_cap=8.0,
        overload_delay=(1.0, 2.0),
        budget_capacity=10.0,
        budget_failure_cost=1.0,
        budget_success_refund=0.1,
        budget_min_fraction=0.5,
    )
    assert expected == DEFAULT_RETRY_POLICY


def test_breaker_policy_defaults_match_the_issue() -> None:
    """Five failures or 50% of 10 calls in 30 s; 5 s doubling to 120 s, 20% jitter, 2 probes."""
    policy = DEFAULT_BREAKER_POLICY
    assert (policy.consecutive_failures, policy.failure_rate, policy.min_calls) == (5, 0.5, 10)
    assert (policy.window, policy.base_open, policy.max_open, policy.jitter) == (
        30.0,
        5.0,
        120.0,
        0.2,
    )
    assert policy.successes_to_close == 2
    assert policy.probe_timeout == rp.DEFAULT_PROBE_TIMEOUT
    assert policy.enabled is True


def test_policies_are_frozen_and_show_their_fields() -> None:
    """Policies are immutable value objects whose repr names every field."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_RETRY_POLICY.attempts = 5  # type: ignore[misc]
    assert "attempts=3" in repr(DEFAULT_RETRY_POLICY)
    assert "probe_timeout=" in repr(DEFAULT_BREAKER_POLICY)
    assert dataclasses.replace(DEFAULT_RETRY_POLICY, attempts=1).attempts == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"attempts": 0}, "attempts"),
        ({"attempts": 2.5}, "attempts"),
        ({"backoff_base": -1.0}, "backoff_base"),
        ({"backoff_base": float("nan")}, "backoff_base"),
        ({"backoff_cap": 0.1}, "backoff_cap"),
        ({"overload_delay": (2.0, 1.0)}, "overload_delay"),
        ({"overload_delay": (-1.0, 1.0)}, "overload_delay"),
        ({"budget_capacity": 0.0}, "budget_capacity"),
        ({"budget_failure_cost": -1.0}, "budget_failure_cost"),
        ({"budget_success_refund": float("inf")}, "budget_success_refund"),
        ({"budget_min_fraction": 1.0}, "budget_min_fraction"),
    ],
)
def test_retry_policy_rejects_bad_values_naming_the_field(
    kwargs: dict[str, Any], field: str
) -> None:
    """Each invalid value raises ValueError that names the field and the rule."""
    with pytest.raises(ValueError, match=f"RetryPolicy.{field} must"):
        RetryPolicy(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"consecutive_failures": 0}, "consecutive_failures"),
        ({"min_calls": 0}, "min_calls"),
        ({"successes_to_close": 0}, "successes_to_close"),
        ({"failure_rate": 0.0}, "failure_rate"),
        ({"failure_rate": 1.5}, "failure_rate"),
        ({"window": 0.0}, "window"),
        ({"base_open": -5.0}, "base_open"),
        ({"probe_timeout": 0.0}, "probe_timeout"),
        ({"max_open": 1.0}, "max_open"),
        ({"jitter": 1.0}, "jitter"),
    ],
)
def test_breaker_policy_rejects_bad_values_naming_the_field(
    kwargs: dict[str, Any], field: str
) -> None:
    """Each invalid value raises ValueError that names the field and the rule."""
    with pytest.raises(ValueError, match=f"BreakerPolicy.{field} must"):
        BreakerPolicy(**kwargs)


def test_set_testing_toggles_is_testing() -> None:
    """set_testing(False) turns testing mode off and set_testing(True) on again."""
    before = is_testing()
    try:
        set_testing(False)
        assert is_testing() is False
        set_testing(True)
        assert is_testing() is True
    finally:
        set_testing(before)
