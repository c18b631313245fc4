"""One contract for every coordinator back-end: the embedded SQLite store and a real Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from shared_ollama._coordinator._leases import Coordinator, Lease, SlotRequest
from shared_ollama._coordinator._options import AgreedOptions, AskedOptions
from shared_ollama._coordinator._policy import Priority
from shared_ollama._errors import RequestTimeoutError

HOST = "http://127.0.0.1:11434"
WAIT = 20.0
"""Generous limit for a wait that must succeed (never reached when the code is right)."""


def ask(
    project: str = "p",
    priority: Priority = "normal",
    *,
    model: str | None = "m",
    slots: int = 1,
    asked: AskedOptions | None = None,
) -> SlotRequest:
    return SlotRequest(
        host=HOST, project=project, priority=priority, model=model, slots=slots, asked=asked
    )


def waiting(coordinator: Coordinator) -> int:
    (host,) = coordinator.snapshot()
    return sum(1 for ticket in host.tickets if not ticket.granted)


def wait_until(condition: object, what: str) -> None:
    event = threading.Event()
    for _ in range(400):
        if condition():  # type: ignore[operator]
            return
        event.wait(0.05)
    pytest.fail(f"timed out waiting until {what}")


def test_contract_grants_up_to_the_cap(coordinator: Coordinator) -> None:
    """Two slots: two leases at once, a third ask times out (the ``pool`` phase)."""
    first = coordinator.acquire(ask(slots=2), WAIT)
    second = coordinator.acquire(ask(slots=2), WAIT)
    with pytest.raises(RequestTimeoutError) as caught:
        coordinator.acquire(ask(slots=2), 0.3)
    assert caught.value.phase == "pool"
    assert waiting(coordinator) == 0  # the timed-out ask left no ticket behind
    coordinator.release(first)
    coordinator.release(second)
    (host,) = coordinator.snapshot()
    assert host.tickets == ()


def test_contract_release_wakes_waiters_in_priority_order(coordinator: Coordinator) -> None:
    """Waiters queued batch, normal, interactive are served interactive, normal, batch."""
    holder = coordinator.acquire(ask("x"), WAIT)
    served: list[str] = []
    threads = []
    for count, priority in enumerate(("batch", "normal", "interactive"), start=1):

        def run(priority: Priority = priority) -> None:
            lease = coordinator.acquire(ask(priority, priority), WAIT)
            served.append(priority)
            coordinator.release(lease)

        thread = threading.Thread(target=run)
        thread.start()
        threads.append(thread)
        wait_until(lambda count=count: waiting(coordinator) == count, f"{count} waiting")
    coordinator.release(holder)
    for thread in threads:
        thread.join(WAIT)
    assert served == ["interactive", "normal", "batch"]


def test_contract_fair_share_between_processes(
    coordinator: Coordinator, another: Coordinator
) -> None:
    """Two coordinators on one store (two processes' view): projects alternate on one slot."""
    first, second = coordinator, another
    if True:
        holder = first.acquire(ask("seed"), WAIT)
        served: list[str] = []
        threads = []
        for count, (coordinator, project) in enumerate(
            [(first, "a"), (first, "a"), (first, "a"), (second, "b"), (second, "b")], start=1
        ):

            def run(coordinator: Coordinator = coordinator, project: str = project) -> None:
                lease = coordinator.acquire(ask(project), WAIT)
                served.append(project)
                coordinator.release(lease)

            thread = threading.Thread(target=run)
            thread.start()
            threads.append(thread)
            wait_until(lambda count=count: waiting(first) == count, f"{count} waiting")
        first.release(holder)
        for thread in threads:
            thread.join(WAIT)
        assert served == ["a", "b", "a", "b", "a"]


def _child(store: str, ttl: float) -> subprocess.Popen[str]:
    script = Path(__file__).with_name("hold_slot.py")
    child = subprocess.Popen(
        [sys.executable, str(script), store, HOST, str(ttl)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    return child


@pytest.mark.parametrize("how", ["kill -9", "SIGSTOP (hung)"])
def test_contract_lease_of_dead_or_hung_process_expires(
    coordinator: Coordinator, store: str, how: str
) -> None:
    """A child holding the only slot is killed (or frozen): the slot comes back, no leak."""
    child = _child(store, ttl=1.0)
    try:
        with pytest.raises(RequestTimeoutError):
            coordinator.acquire(ask("parent"), 0.2)  # the child really holds it
        os.kill(child.pid, signal.SIGKILL if how == "kill -9" else signal.SIGSTOP)
        if how == "kill -9":
            child.wait(WAIT)
        lease = coordinator.acquire(ask("parent"), WAIT)
        (host,) = coordinator.snapshot()
        assert [ticket.project for ticket in host.tickets] == ["parent"]
        coordinator.release(lease)
    finally:
        child.kill()
        child.wait(WAIT)
        assert child.stdout is not None
        child.stdout.close()


def test_contract_heartbeat_keeps_a_long_lease(coordinator: Coordinator) -> None:
    """A lease held past several TTLs by a live process stays held (the heartbeat renews it)."""
    lease = coordinator.acquire(ask("long"), WAIT)
    with pytest.raises(RequestTimeoutError):
        coordinator.acquire(ask("other"), 3 * coordinator.policy.lease_ttl)
    coordinator.release(lease)


def test_contract_options_agreed_across_processes(
    coordinator: Coordinator, another: Coordinator
) -> None:
    """num_ctx grows to the largest asked, once; later smaller asks get the agreed value."""
    first, second = coordinator, another
    if True:
        leases: list[Lease] = []
        for coordinator, num_ctx in ((first, 2048), (second, 4096), (first, 2048), (second, None)):
            lease = coordinator.acquire(ask(asked=AskedOptions(num_ctx, "5m"), slots=4), WAIT)
            leases.append(lease)
            coordinator.release(lease)
        assert [lease.agreed for lease in leases] == [
            AgreedOptions(2048, "5m"),
            AgreedOptions(4096, "5m"),
            AgreedOptions(4096, "5m"),
            AgreedOptions(4096, "5m"),
        ]
        (host,) = second.snapshot()
        assert host.agreements == {"m": AgreedOptions(4096, "5m")}


async def test_contract_async_waiter_is_woken_and_cancel_leaves_nothing(
    coordinator: Coordinator,
) -> None:
    """An async waiter gets the slot on release; a cancelled one leaves no ticket behind."""
    holder = coordinator.acquire(ask("x"), WAIT)
    cancelled = asyncio.ensure_future(coordinator.acquire_async(ask("gone"), WAIT))
    waiter = asyncio.ensure_future(coordinator.acquire_async(ask("y"), WAIT))
    for _ in range(400):
        if waiting(coordinator) == 2:
            break
        await asyncio.sleep(0.05)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    await coordinator.release_async(holder)
    lease = await asyncio.wait_for(waiter, WAIT)
    (host,) = coordinator.snapshot()
    assert [ticket.project for ticket in host.tickets] == ["y"]
    await coordinator.release_async(lease)
