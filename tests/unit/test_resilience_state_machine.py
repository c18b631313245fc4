"""Hypothesis drives breaker, retry budget and retry loop together on a fake clock.

Invariants: never more than one live half-open probe; no permit (so no transport call) while the
circuit is open; every retry was allowed by the budget; no retry after the first byte; no sleep
ever ends past the call's deadline.
"""

from __future__ import annotations

import contextlib
import random

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from shared_ollama._errors import (
    CircuitOpenError,
    InvalidRequestError,
    OllamaUnavailableError,
    RequestTimeoutError,
    ServerBusyError,
    ServerError,
    SharedOllamaError,
    StreamInterruptedError,
)
from shared_ollama._resilience._breaker import BreakerState, CircuitBreaker, Permit
from shared_ollama._resilience._classify import FailureClass
from shared_ollama._resilience._policy import BreakerPolicy, RetryPolicy
from shared_ollama._resilience._retry_budget import RetryBudget
from shared_ollama._resilience._retrying import RetryController

POLICY = BreakerPolicy(probe_timeout=10.0)
OUTCOMES: list[Exception | None] = [
    None,
    OllamaUnavailableError("refused", request_sent=False),
    OllamaUnavailableError("reset", request_sent=True),
    RequestTimeoutError("slow", phase="connect"),
    RequestTimeoutError("slow", phase="first_byte"),
    RequestTimeoutError("slow", phase="total"),
    ServerBusyError("busy", status_code=503, error="server busy"),
    ServerError("crash", status_code=500, error="runner crashed"),
    InvalidRequestError("bad", status_code=400, error="invalid"),
    StreamInterruptedError("broke", partial="", chunks_received=1, error="eof"),
]


class FakeClock:
    """A monotonic clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ResilienceMachine(RuleBasedStateMachine):
    """Random interleavings of time, raw permits and whole retried calls against one host."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        jitter = random.Random(0)
        self.breaker = CircuitBreaker(
            "http://sm:11434", policy=POLICY, clock=self.clock, random=jitter.random
        )
        self.policy = RetryPolicy(budget_capacity=4.0)  # a small budget binds more often
        self.budget = RetryBudget.from_policy(self.policy)
        self.held: list[Permit] = []

    def _live_probes(self) -> int:
        return sum(
            1
            for p in self.held
            if p.is_probe and not p.settled and self.clock.now < p.issued_at + POLICY.probe_timeout
        )

    def _acquire(self) -> Permit:
        before = self.breaker.state
        live = self._live_probes()
        permit = self.breaker.acquire()
        assert before is not BreakerState.OPEN, "a permit was granted while open"
        assert permit.is_probe == (before is BreakerState.HALF_OPEN)
        if permit.is_probe:
            assert live == 0, "a second probe was granted while one is live"
        return permit

    @rule(seconds=st.floats(0.0, 40.0))
    def advance(self, seconds: float) -> None:
        """Time passes."""
        self.clock.now += seconds

    @rule()
    def take_permit(self) -> None:
        """A caller takes a permit and keeps it in flight."""
        refusal: CircuitOpenError | None = None
        try:
            self.held.append(self._acquire())
        except CircuitOpenError as exc:
            refusal = exc
        assert refusal is None or refusal.retry_after >= 0.0

    @precondition(lambda self: self.held)
    @rule(
        index=st.integers(0, 50),
        outcome=st.sampled_from(["success", "release", *FailureClass]),
    )
    def settle_permit(self, index: int, outcome: str | FailureClass) -> None:
        """A permit in flight ends with an outcome (some are settled twice)."""
        permit = self.held[index % len(self.held)]
        if outcome == "success":
            permit.success()
        elif outcome == "release":
            permit.release()
        else:
            assert isinstance(outcome, FailureClass)
            permit.failure(outcome)

    @rule(
        script=st.lists(st.sampled_from(OUTCOMES), min_size=1, max_size=4),
        attempt_seconds=st.floats(0.0, 3.0),
        deadline=st.none() | st.floats(0.0, 20.0),
        first_byte_at=st.none() | st.integers(1, 3),
        draw=st.floats(0.0, 1.0, exclude_max=True),
    )
    def retried_call(
        self,
        script: list[Exception | None],
        attempt_seconds: float,
        deadline: float | None,
        first_byte_at: int | None,
        draw: float,
    ) -> None:
        """A whole call runs through the retry loop, each attempt through the breaker."""
        start = self.clock.now
        controller = RetryController(
            policy=self.policy,
            budget=self.budget,
            deadline=None if deadline is None else start + deadline,
            clock=self.clock,
            random=lambda: draw,
        )
        tries = calls = 0
        body_started = False

        def attempt() -> str:
            nonlocal tries, calls, body_started
            tries += 1
            permit = self._acquire()
            calls += 1
            self.clock.now += attempt_seconds
            if first_byte_at is not None and calls >= first_byte_at:
                body_started = True
            outcome = script[min(calls, len(script)) - 1]
            permit.record(outcome)
            if outcome is not None:
                raise outcome
            return "ok"

        def sleep(seconds: float) -> None:
            assert not body_started, "retry after the first byte"
            assert self.budget.tokens > self.budget.threshold, "retry without budget"
            if controller.deadline is not None:
                assert self.clock.now + seconds < controller.deadline, "slept past the deadline"
            self.clock.now += seconds

        with contextlib.suppress(SharedOllamaError):  # the scripted failure, or circuit open
            while True:  # the clients' retry loop
                try:
                    attempt()
                except SharedOllamaError as exc:
                    delay = controller.next_delay(exc, first_byte_received=body_started)
                    if delay is None:
                        raise
                    sleep(delay)
                else:
                    self.budget.record_success()
                    break
        assert calls <= tries <= self.policy.attempts
        assert controller.retries == tries - 1

    @invariant()
    def at_most_one_live_probe(self) -> None:
        """Never more than one unexpired, unsettled half-open probe."""
        assert self._live_probes() <= 1

    @invariant()
    def budget_within_bounds(self) -> None:
        """The budget stays between empty and full."""
        assert 0.0 <= self.budget.tokens <= self.budget.capacity


def test_resilience_state_machine_holds_its_invariants() -> None:
    """Hypothesis explores interleavings of time, permits and retried calls without a violation."""
    run_state_machine_as_test(
        ResilienceMachine,
        settings=settings(
            max_examples=100,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
