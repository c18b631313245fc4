"""The circuit breaker: every transition with a fake clock, permits, callbacks and the registry."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field

import pytest

from shared_ollama._errors import (
    CircuitOpenError,
    InvalidRequestError,
    OllamaUnavailableError,
    ServerError,
)
from shared_ollama._resilience._breaker import BreakerState, CircuitBreaker, Permit
from shared_ollama._resilience._breaker_registry import (
    BreakerRegistry,
    breaker_for,
    breaker_registry,
    reset_breakers,
)
from shared_ollama._resilience._classify import FailureClass
from shared_ollama._resilience._policy import BreakerPolicy

HOST = "http://10.0.0.7:11434"
CLOSED, OPEN, HALF_OPEN = BreakerState.CLOSED, BreakerState.OPEN, BreakerState.HALF_OPEN


@dataclass
class FakeClock:
    """A monotonic clock that only moves when told to."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    """A breaker on a fake clock with no jitter, recording its state changes."""

    clock: FakeClock = field(default_factory=FakeClock)
    changes: list[tuple[BreakerState, BreakerState, str]] = field(default_factory=list)
    breaker: CircuitBreaker = field(init=False)

    def __post_init__(self) -> None:
        self.breaker = self.make()

    def make(self, policy: BreakerPolicy | None = None) -> CircuitBreaker:
        return CircuitBreaker(
            HOST,
            policy=policy or BreakerPolicy(),
            clock=self.clock,
            random=lambda: 0.5,
            on_state_change=lambda old, new, host: self.changes.append((old, new, host)),
        )

    def run(self, steps: str) -> None:
        """Play steps: f=failure, s=success, c=caller error, r=release, +N=advance N seconds."""
        for step in steps.split():
            if step.startswith("+"):
                self.clock.now += float(step[1:])
                continue
            permit = self.breaker.acquire()
            if step == "f":
                permit.failure(FailureClass.SERVER_FAULT)
            elif step == "s":
                permit.success()
            elif step == "c":
                permit.failure(FailureClass.CALLER_ERROR)
            else:
                permit.release()


@pytest.fixture
def rig() -> Rig:
    """A fresh breaker rig."""
    return Rig()


TRANSITIONS = [
    ("new breaker is closed", "", CLOSED, 0.0),
    ("four failures stay closed", "f f f f", CLOSED, 0.0),
    ("five failures in a row open", "f f f f f", OPEN, 5.0),
    ("a success resets the run", "f f f f s f f f f", CLOSED, 0.0),
    ("caller errors do not reset the run", "f f f f c f", OPEN, 5.0),
    ("caller errors never open", " ".join(["c"] * 30), CLOSED, 0.0),
    ("releases never open", " ".join(["r"] * 30), CLOSED, 0.0),
    ("half of ten calls failing opens", "s f " * 4 + "s f", OPEN, 5.0),
    ("a third failing stays closed", "s s f " * 5, CLOSED, 0.0),
    ("nine calls are too few for the rate", "s f s f s f s f f", CLOSED, 0.0),
    ("old calls leave the 30 s window", "s f " * 4 + "+31 s f", CLOSED, 0.0),
    ("open time counts down", "f f f f f +3", OPEN, 2.0),
    ("after the open time it is half-open", "f f f f f +5", HALF_OPEN, 0.0),
    ("one good probe stays half-open", "f f f f f +5 s", HALF_OPEN, 0.0),
    ("two good probes close", "f f f f f +5 s s", CLOSED, 0.0),
    ("a failed probe reopens for 10 s", "f f f f f +5 f", OPEN, 10.0),
    ("a good then a failed probe reopens", "f f f f f +5 s f", OPEN, 10.0),
    ("third opening lasts 20 s", "f f f f f +5 f +10 f", OPEN, 20.0),
    ("a caller error probe hands the slot back", "f f f f f +5 c", HALF_OPEN, 0.0),
    ("released probes do not count", "f f f f f +5 s r r", HALF_OPEN, 0.0),
    ("closing resets the opening count", "f f f f f +5 s s f f f f f", OPEN, 5.0),
]


@pytest.mark.parametrize(
    ("steps", "state", "retry_after"),
    [t[1:] for t in TRANSITIONS],
    ids=[t[0] for t in TRANSITIONS],
)
def test_breaker_transitions_follow_the_table(
    rig: Rig, steps: str, state: BreakerState, retry_after: float
) -> None:
    """Each scripted history ends in the expected state with the expected wait."""
    rig.run(steps)
    assert rig.breaker.state is state
    assert rig.breaker.retry_after() == pytest.approx(retry_after)


def test_breaker_open_durations_double_up_to_the_cap(rig: Rig) -> None:
    """Consecutive openings last 5, 10, 20, 40, 80, 120, 120 s (no jitter)."""
    rig.run("f f f f f")
    durations = [rig.breaker.retry_after()]
    for _ in range(6):
        rig.clock.now += durations[-1]
        rig.run("f")  # the probe fails
        durations.append(rig.breaker.retry_after())
    assert durations == [5.0, 10.0, 20.0, 40.0, 80.0, 120.0, 120.0]


def test_breaker_open_duration_has_jitter(rig: Rig) -> None:
    """With the random source at 0 the first opening lasts 20% less."""
    breaker = CircuitBreaker(HOST, clock=rig.clock, random=lambda: 0.0)
    for _ in range(5):
        breaker.acquire().failure(FailureClass.NOT_SENT)
    assert breaker.retry_after() == pytest.approx(4.0)


def test_breaker_rejects_calls_while_open_with_a_helpful_error(rig: Rig) -> None:
    """While open, acquire fails at once saying which host, why, and when to retry."""
    rig.run("f f f f f +1.5")
    with pytest.raises(CircuitOpenError) as caught:
        rig.breaker.acquire()
    assert caught.value.retry_after == pytest.approx(3.5)
    assert caught.value.host == HOST
    assert HOST in str(caught.value)
    assert "failed repeatedly" in str(caught.value)
    assert "retry after 3.5 s" in str(caught.value)


def test_breaker_half_open_lets_exactly_one_probe_through(rig: Rig) -> None:
    """Half-open grants one probe; everyone else is told to wait until it expires."""
    rig.run("f f f f f +5")
    probe = rig.breaker.acquire()
    assert probe.is_probe
    rig.clock.now += 2.0
    with pytest.raises(CircuitOpenError) as caught:
        rig.breaker.acquire()
    assert caught.value.retry_after == pytest.approx(BreakerPolicy().probe_timeout - 2.0)


def test_breaker_admits_a_second_probe_after_the_first_succeeds(rig: Rig) -> None:
    """After one good probe the next caller is the second probe, and a third must wait."""
    rig.run("f f f f f +5")
    rig.breaker.acquire().success()
    second = rig.breaker.acquire()
    assert second.is_probe
    with pytest.raises(CircuitOpenError):
        rig.breaker.acquire()


def test_breaker_probe_permit_expires_after_the_probe_timeout(rig: Rig) -> None:
    """A probe that outlives its timeout loses the slot, and its late outcome is ignored."""
    rig.breaker = rig.make(BreakerPolicy(probe_timeout=10.0))
    rig.run("f f f f f +5")
    slow = rig.breaker.acquire()
    rig.clock.now += 10.0
    fresh = rig.breaker.acquire()
    assert fresh.is_probe
    slow.failure(FailureClass.SERVER_FAULT)  # late: must not reopen
    assert rig.breaker.state is HALF_OPEN
    fresh.success()
    rig.breaker.acquire().success()
    assert rig.breaker.state is CLOSED


def test_breaker_ignores_permits_granted_before_it_opened(rig: Rig) -> None:
    """Calls in flight when the circuit opened cannot close or reopen it later."""
    late = [rig.breaker.acquire() for _ in range(3)]
    rig.run("f f f f f +5")
    probe = rig.breaker.acquire()
    for permit in late:
        permit.success()
    assert rig.breaker.state is HALF_OPEN
    with pytest.raises(CircuitOpenError):
        rig.breaker.acquire()
    probe.failure(FailureClass.NOT_SENT)
    assert rig.breaker.state is OPEN


def test_permit_is_settled_at_most_once(rig: Rig) -> None:
    """A second settlement of one permit is ignored."""
    permit = rig.breaker.acquire()
    for _ in range(10):
        permit.failure(FailureClass.SERVER_FAULT)
    assert permit.settled
    rig.run("f f f")
    assert rig.breaker.state is CLOSED
    rig.run("f")
    assert rig.breaker.state is OPEN


@pytest.mark.parametrize(
    ("exc", "opens"),
    [
        (None, False),
        (ServerError("crash", status_code=500, error="x"), True),
        (OllamaUnavailableError("refused"), True),
        (InvalidRequestError("bad", status_code=400, error="x"), False),
        (CircuitOpenError("open", retry_after=1.0), False),
        (asyncio.CancelledError(), False),
        (GeneratorExit(), False),
        (KeyboardInterrupt(), False),
        (RuntimeError("not ours"), False),
    ],
)
def test_permit_record_classifies_the_outcome(
    rig: Rig, exc: BaseException | None, opens: bool
) -> None:
    """record() counts server failures, and only those, toward opening."""
    rig.run("f f f f")
    rig.breaker.acquire().record(exc)
    assert (rig.breaker.state is OPEN) is opens


@pytest.mark.parametrize(
    "cancellation", [asyncio.CancelledError(), GeneratorExit(), KeyboardInterrupt()]
)
def test_permit_record_hands_back_a_cancelled_probe(rig: Rig, cancellation: BaseException) -> None:
    """A cancelled probe frees the slot at once without counting as a success."""
    rig.run("f f f f f +5")
    rig.breaker.acquire().record(cancellation)
    probe = rig.breaker.acquire()
    assert probe.is_probe
    probe.success()
    assert rig.breaker.state is HALF_OPEN


def test_permit_context_manager_records_the_exception(rig: Rig) -> None:
    """Leaving a permit's block with a server error counts one failure; the error propagates."""
    rig.run("f f f f")
    with pytest.raises(ServerError), rig.breaker.acquire():
        raise ServerError("crash", status_code=500, error="x")
    assert rig.breaker.state is OPEN


def test_permit_context_manager_keeps_an_explicit_settlement(rig: Rig) -> None:
    """A permit settled inside its block is not settled again on exit."""
    rig.run("f f f f")
    with rig.breaker.acquire() as permit:
        permit.success()
    assert rig.breaker.state is CLOSED
    assert "settled=True" in repr(permit)


def test_breaker_reports_state_changes_to_callback_and_log(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """Every transition reaches the callback with the host, and is logged by the breaker logger."""
    with caplog.at_level(logging.INFO, logger="shared_ollama.breaker"):
        rig.run("f f f f f +5 s s")
    assert rig.changes == [(CLOSED, OPEN, HOST), (OPEN, HALF_OPEN, HOST), (HALF_OPEN, CLOSED, HOST)]
    messages = [r.getMessage() for r in caplog.records if r.name == "shared_ollama.breaker"]
    assert len(messages) == 3
    assert "opened" in messages[0]
    assert HOST in messages[0]
    assert "5.0 s" in messages[0]


def test_breaker_survives_a_failing_callback(caplog: pytest.LogCaptureFixture) -> None:
    """A broken state-change callback is logged and does not break the caller."""

    def explode(old: BreakerState, new: BreakerState, host: str) -> None:
        raise RuntimeError("listener bug")

    breaker = CircuitBreaker(HOST, clock=FakeClock(), on_state_change=explode)
    with caplog.at_level(logging.ERROR, logger="shared_ollama.breaker"):
        for _ in range(5):
            breaker.acquire().failure(FailureClass.NOT_SENT)
    assert breaker.state is OPEN
    assert any("callback failed" in r.getMessage() for r in caplog.records)


def test_breaker_disabled_never_opens(rig: Rig) -> None:
    """With enabled=False every call gets a permit whatever happens."""
    rig.breaker = rig.make(BreakerPolicy(enabled=False))
    rig.run(" ".join(["f"] * 50))
    assert rig.breaker.state is CLOSED
    assert rig.changes == []


def test_breaker_grants_one_probe_to_many_threads(rig: Rig) -> None:
    """Sixteen threads racing for the half-open slot get exactly one probe between them."""
    rig.run("f f f f f +5")
    start = threading.Barrier(16)
    granted: list[Permit] = []
    refused: list[CircuitOpenError] = []

    def race() -> None:
        start.wait()
        try:
            granted.append(rig.breaker.acquire())
        except CircuitOpenError as exc:
            refused.append(exc)

    threads = [threading.Thread(target=race) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(granted), len(refused)) == (1, 15)


def test_breaker_repr_names_host_and_state(rig: Rig) -> None:
    """The repr shows the host and the state."""
    assert repr(rig.breaker) == f"CircuitBreaker(host={HOST!r}, state=closed)"
    assert "call" in repr(rig.breaker.acquire())


def test_breaker_registry_shares_one_breaker_per_host() -> None:
    """One host maps to one breaker (trailing slash ignored); hosts do not share."""
    registry = BreakerRegistry()
    first = registry.get("http://a:11434/")
    assert registry.get("http://a:11434") is first
    assert registry.get("http://b:11434") is not first
    assert first.host == "http://a:11434"
    assert "http://b:11434" in repr(registry)


def test_breaker_registry_fans_state_changes_out_to_listeners() -> None:
    """Listeners hear every breaker of the registry until removed."""
    registry = BreakerRegistry()
    heard: list[tuple[BreakerState, BreakerState, str]] = []

    def listen(old: BreakerState, new: BreakerState, host: str) -> None:
        heard.append((old, new, host))

    registry.add_listener(listen)
    for host in ("http://a:11434", "http://b:11434"):
        for _ in range(5):
            registry.get(host).acquire().failure(FailureClass.NOT_SENT)
    assert heard == [(CLOSED, OPEN, "http://a:11434"), (CLOSED, OPEN, "http://b:11434")]
    registry.remove_listener(listen)
    registry.remove_listener(listen)  # already gone: no error
    for _ in range(5):
        registry.get("http://c:11434").acquire().failure(FailureClass.NOT_SENT)
    assert len(heard) == 2
    breaker = registry.get("http://a:11434")
    registry.clear()
    assert registry.get("http://a:11434") is not breaker


def test_breaker_for_is_process_wide_and_reset_for_tests() -> None:
    """breaker_for returns the shared breaker of a host until reset_breakers forgets it."""
    shared = breaker_for("http://c:11434")
    assert breaker_for("http://c:11434") is shared
    assert breaker_registry().get("http://c:11434") is shared
    reset_breakers()
    assert breaker_for("http://c:11434") is not shared


def test_breaker_reset_closes_it_and_ignores_older_permits() -> None:
    """reset() closes an open breaker at once; a permit granted before settles into nothing."""
    clock = FakeClock()
    breaker = CircuitBreaker(
        "http://a:11434", policy=BreakerPolicy(consecutive_failures=2), clock=clock
    )
    old = breaker.acquire()
    for _ in range(2):
        breaker.acquire().failure(FailureClass.NOT_SENT)
    assert breaker.state is BreakerState.OPEN
    breaker.reset()
    assert breaker.state is BreakerState.CLOSED
    old.failure(FailureClass.NOT_SENT)
    breaker.acquire().failure(FailureClass.NOT_SENT)
    assert breaker.state is BreakerState.CLOSED  # one failure since the reset, not two


def test_reset_breakers_closes_breakers_clients_still_hold() -> None:
    """A client built before the reset holds its old breaker: that one is closed too."""
    held = breaker_for("http://held:11434", BreakerPolicy(consecutive_failures=1))
    held.acquire().failure(FailureClass.NOT_SENT)
    assert held.state is BreakerState.OPEN
    reset_breakers()
    assert held.state is BreakerState.CLOSED
