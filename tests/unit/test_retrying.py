"""Retry decisions and their tenacity glue, run as real sync and async loops on a fake clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from shared_ollama._errors import (
    CircuitOpenError,
    InvalidRequestError,
    OllamaUnavailableError,
    RequestTimeoutError,
    ServerBusyError,
    ServerError,
    StreamInterruptedError,
)
from shared_ollama._resilience._policy import RetryPolicy, set_testing
from shared_ollama._resilience._retry_budget import RetryBudget
from shared_ollama._resilience._retrying import (
    RetryController,
    async_retrying,
    async_sleep,
    blocking_sleep,
    sync_retrying,
    tenacity_kwargs,
)

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


def test_controller_reports_remaining_time_and_refunds_successes() -> None:
    """remaining() counts down to zero; successes refund the budget."""
    clock = FakeClock()
    budget = RetryBudget()
    budget.record_failure()
    controller = _controller(clock, budget=budget, deadline=clock.now + 2.0)
    clock.now += 0.5
    assert controller.remaining() == 1.5
    clock.now += 5.0
    assert controller.remaining() == 0.0
    assert _controller(clock).remaining() is None
    controller.record_success()
    controller.record_success()
    assert budget.tokens == pytest.approx(9.1)
    assert controller.succeeded
    assert controller.budget is budget
    assert "attempts=1" in repr(controller)


@dataclass
class Script:
    """A fake operation failing with scripted exceptions, then returning ``"ok"``."""

    failures: list[BaseException]
    calls: int = 0
    on_call: Callable[[int], None] | None = None

    def __call__(self) -> str:
        self.calls += 1
        if self.on_call is not None:
            self.on_call(self.calls)
        if self.calls <= len(self.failures):
            raise self.failures[self.calls - 1]
        return "ok"


def _run(mode: str, controller: RetryController, op: Script, clock: FakeClock) -> str:
    """Drive ``op`` through the sync or async tenacity loop, in each form callers use."""
    if mode == "sync-call":
        return sync_retrying(controller, sleep=clock.sleep)(op)
    if mode == "sync-loop":
        for attempt in sync_retrying(controller, sleep=clock.sleep):
            with attempt:
                return op()
        raise AssertionError("unreachable")
    if mode == "sync-fallthrough":
        result = ""
        for attempt in sync_retrying(controller, sleep=clock.sleep):
            with attempt:
                result = op()
        return result

    async def call() -> str:
        return op()

    async def loop() -> str:
        async for attempt in async_retrying(controller, sleep=clock.async_sleep):
            if mode == "async-loop":
                async with attempt:
                    return op()
            else:
                with attempt:
                    return op()
        raise AssertionError("unreachable")

    if mode == "async-call":
        return asyncio.run(async_retrying(controller, sleep=clock.async_sleep)(call))
    return asyncio.run(loop())


MODES = ["sync-call", "sync-loop", "sync-fallthrough", "async-call", "async-loop", "async-with"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.usefixtures("real_waits")
def test_retrying_recovers_from_refused_connections(mode: str) -> None:
    """Two refusals then success: the result, the controller's delays, one refund (in all forms)."""
    clock, op = FakeClock(), Script([REFUSED, REFUSED])
    controller = _controller(clock)
    assert _run(mode, controller, op, clock) == "ok"
    assert op.calls == 3
    assert clock.sleeps == [0.25, 0.5]
    assert controller.budget.tokens == pytest.approx(8.1)


@pytest.mark.parametrize("mode", MODES)
def test_retrying_reraises_the_last_error_not_retry_error(mode: str) -> None:
    """A server fault is retried once, then its own exception propagates."""
    clock, op = FakeClock(), Script([CRASH, CRASH, CRASH])
    with pytest.raises(ServerError, match="crash"):
        _run(mode, _controller(clock), op, clock)
    assert op.calls == 2


@pytest.mark.parametrize("mode", MODES)
def test_retrying_gives_caller_errors_one_attempt(mode: str) -> None:
    """A 400 is raised after a single attempt, without sleeping."""
    clock, op = FakeClock(), Script([BAD])
    with pytest.raises(InvalidRequestError):
        _run(mode, _controller(clock), op, clock)
    assert (op.calls, clock.sleeps) == (1, [])


@pytest.mark.parametrize("mode", MODES)
def test_retrying_stops_once_the_first_byte_arrived(mode: str) -> None:
    """A failure after mark_first_byte() propagates at once."""
    clock = FakeClock()
    controller = _controller(clock)
    op = Script([CRASH], on_call=lambda _: controller.mark_first_byte())
    with pytest.raises(ServerError):
        _run(mode, controller, op, clock)
    assert op.calls == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.usefixtures("real_waits")
def test_retrying_respects_the_deadline(mode: str) -> None:
    """Slow attempts eat the deadline: no retry whose wait would pass it."""
    clock = FakeClock()
    controller = _controller(clock, deadline=clock.now + 1.0)
    op = Script([REFUSED, REFUSED], on_call=lambda _: setattr(clock, "now", clock.now + 0.3))
    with pytest.raises(OllamaUnavailableError):
        _run(mode, controller, op, clock)
    assert op.calls == 2
    assert clock.now <= controller.deadline  # type: ignore[operator]


@pytest.mark.parametrize("mode", MODES)
def test_retrying_lets_cancellation_through_untouched(mode: str) -> None:
    """Cancellation is never retried nor charged to the budget."""
    clock = FakeClock()
    controller = _controller(clock)
    op = Script([KeyboardInterrupt()])
    with pytest.raises(KeyboardInterrupt):
        _run(mode, controller, op, clock)
    assert (op.calls, controller.budget.tokens) == (1, 10.0)


def test_async_retrying_propagates_task_cancellation() -> None:
    """An attempt cancelled inside the async loop re-raises CancelledError at once."""
    clock = FakeClock()
    controller = _controller(clock)

    async def main() -> None:
        async for attempt in async_retrying(controller, sleep=clock.async_sleep):
            with attempt:
                raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(main())
    assert controller.retries == 0


def test_retrying_single_attempt_policy_never_retries() -> None:
    """attempts=1 turns retries off even for unsent requests."""
    clock, op = FakeClock(), Script([REFUSED])
    with pytest.raises(OllamaUnavailableError):
        _run("sync-loop", _controller(clock, policy=RetryPolicy(attempts=1)), op, clock)
    assert op.calls == 1


def test_tenacity_kwargs_has_everything_tenacity_needs() -> None:
    """The shared kwargs carry retry, wait, stop, sleep and reraise=True."""
    kwargs = tenacity_kwargs(_controller(FakeClock()))
    assert set(kwargs) == {"retry", "wait", "stop", "reraise", "sleep"}
    assert kwargs["reraise"] is True
    assert kwargs["sleep"] is blocking_sleep


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
