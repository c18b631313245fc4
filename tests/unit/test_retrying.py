"""Retry decisions on a fake clock, and the sleeps of each client flavour."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from shared_ollama._core._async_io import sleep as async_sleep
from shared_ollama._core._sync_io import sleep as blocking_sleep
from shared_ollama._errors import (
    CircuitOpenError,
    InvalidRequestError,
    OllamaUnavailableError,
    RequestTimeoutError,
    ServerBusyError,
    ServerError,
    StreamInterruptedError,
)
from shared_ollama._resilience._policy import set_testing
from shared_ollama._resilience._retry_budget import RetryBudget
from shared_ollama._resilience._retrying import RetryController

REFUSED = OllamaUnavailableError("refused", request_sent=False)
CRASH = ServerError("crash", status_code=500, error="runner crashed")
BUSY = ServerBusyError("busy", status_code=503, error="server busy")
BAD = InvalidRequestError("bad", status_code=400, error="invalid")
BROKEN = StreamInterruptedError("broke", partial="Hel", chunks_received=2, error="eof")


@pytest.fixture
def real_waits() -> Iterator[None]:
    """Turn testing mode off (the suite turns it on) so real delays are computed."""
    set_testing(False)
    yield
    set_testing(True)


@dataclass
class FakeClock:
    """A monotonic clock that only moves when told to; its sleeps advance it."""

    now: float = 500.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def _controller(clock: FakeClock, **kwargs: Any) -> RetryController:
    return RetryController(clock=clock, random=lambda: 0.5, **kwargs)


@pytest.mark.usefixtures("real_waits")
def test_controller_backs_off_with_full_jitter_for_unsent_requests() -> None:
    """Refused connections are retried twice, waiting draw * 0.5 s then draw * 1 s."""
    controller = _controller(FakeClock())
    assert controller.next_delay(REFUSED, first_byte_received=False) == 0.25
    assert controller.next_delay(REFUSED, first_byte_received=False) == 0.5
    assert controller.next_delay(REFUSED, first_byte_received=False) is None
    assert (controller.attempts, controller.retries) == (3, 2)


@pytest.mark.usefixtures("real_waits")
def test_controller_retries_overload_once_after_one_to_two_seconds() -> None:
    """A busy server gets one retry after 1-2 s, and no second one."""
    controller = _controller(FakeClock())
    assert controller.next_delay(BUSY, first_byte_received=False) == 1.5
    assert controller.next_delay(BUSY, first_byte_received=False) is None


@pytest.mark.parametrize(
    ("first", "second", "retried_twice"),
    [
        (CRASH, CRASH, False),
        (REFUSED, CRASH, True),
        (CRASH, REFUSED, True),
        (BUSY, CRASH, True),
        (RequestTimeoutError("t", phase="first_byte"), CRASH, False),
    ],
)
def test_controller_counts_retries_per_failure_class(
    first: Exception, second: Exception, retried_twice: bool
) -> None:
    """Each class has its own allowance within the call's attempts."""
    controller = _controller(FakeClock())
    assert controller.next_delay(first, first_byte_received=False) is not None
    assert (controller.next_delay(second, first_byte_received=False) is not None) is retried_twice


@pytest.mark.parametrize(
    ("exc", "charged"),
    [
        (BAD, False),
        (BROKEN, True),
        (RequestTimeoutError("t", phase="total"), True),
        (RequestTimeoutError("t", phase="between_chunks"), True),
        (CircuitOpenError("open", retry_after=1.0), False),
        (ValueError("not ours"), False),
        (asyncio.CancelledError(), False),
    ],
)
def test_controller_never_retries_final_failures(exc: BaseException, charged: bool) -> None:
    """Caller errors, broken streams, total timeouts and foreign errors end the call."""
    budget = RetryBudget()
    controller = _controller(FakeClock(), budget=budget)
    assert controller.next_delay(exc, first_byte_received=False) is None
    assert budget.tokens == (9.0 if charged else 10.0)


def test_controller_never_retries_after_the_first_byte() -> None:
    """Once the body started, even a retryable failure ends the call (and is still charged)."""
    budget = RetryBudget()
    controller = _controller(FakeClock(), budget=budget)
    assert controller.next_delay(CRASH, first_byte_received=True) is None
    assert budget.tokens == 9.0


def test_controller_stops_when_the_budget_is_spent() -> None:
    """A host whose budget is at half or below gets no retries."""
    budget = RetryBudget()
    for _ in range(4):
        budget.record_failure()
    controller = _controller(FakeClock(), budget=budget)
    assert controller.next_delay(REFUSED, first_byte_received=False) is None
    assert budget.tokens == 5.0


@pytest.mark.usefixtures("real_waits")
def test_controller_never_sleeps_past_the_deadline() -> None:
    """A wait that would reach the deadline means giving up instead."""
    clock = FakeClock()
    assert (
        _controller(clock, deadline=clock.now + 0.3).next_delay(REFUSED, first_byte_received=False)
        == 0.25
    )
    assert (
        _controller(clock, deadline=clock.now + 0.25).next_delay(REFUSED, first_byte_received=False)
        is None
    )
    assert (
        _controller(clock, deadline=clock.now + 1.0).next_delay(BUSY, first_byte_received=False)
        is None
    )


def test_controller_waits_zero_in_testing_mode() -> None:
    """Testing mode (on in this suite) keeps the decisions but makes every wait zero."""
    controller = _controller(FakeClock())
    assert controller.next_delay(BUSY, first_byte_received=False) == 0.0
    assert controller.next_delay(REFUSED, first_byte_received=False) == 0.0
    assert controller.next_delay(REFUSED, first_byte_received=False) is None


def test_controller_reports_remaining_time() -> None:
    """remaining() counts down to zero; the controller draws on the budget it was given."""
    clock = FakeClock()
    budget = RetryBudget()
    budget.record_failure()
    controller = _controller(clock, budget=budget, deadline=clock.now + 2.0)
    clock.now += 0.5
    assert controller.remaining() == 1.5
    clock.now += 5.0
    assert controller.remaining() == 0.0
    assert _controller(clock).remaining() is None
    assert controller.budget is budget
    assert "attempts=0" in repr(controller)


def test_default_sleeps_do_nothing_in_testing_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """In testing mode the blocking sleep never sleeps and the async one only yields."""
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    blocking_sleep(3.0)
    assert slept == []

    async def fake_asyncio_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", fake_asyncio_sleep)
    asyncio.run(async_sleep(3.0))
    assert slept == [0]


@pytest.mark.usefixtures("real_waits")
def test_default_sleeps_wait_outside_testing_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside testing mode the default sleeps pass the delay on."""
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    blocking_sleep(3.0)
    blocking_sleep(0.0)

    async def fake_asyncio_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", fake_asyncio_sleep)
    asyncio.run(async_sleep(2.0))
    assert slept == [3.0, 2.0]
