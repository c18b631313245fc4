"""The coordinator interface: acquire a slot as a lease, renew it, release it, look at it all.

:class:`Coordinator` holds everything the back-ends share: building tickets, the wait loop
(sync and async), the heartbeat that renews this process's leases, and logging agreement
changes once. A back-end supplies four things: an atomic read-decide-write step
(:meth:`Coordinator._transact`), a wake-up channel per waiting ticket, the list of hosts it
knows, and ``close``. The decisions themselves live in :mod:`._policy` (pure).
"""

from __future__ import annotations

import abc
import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from shared_ollama._coordinator._options import AgreedOptions, AskedOptions
from shared_ollama._coordinator._policy import (
    Changes,
    HostView,
    Priority,
    SchedulingPolicy,
    Ticket,
    capacity,
    enqueue,
    poll,
    release,
    renew,
)
from shared_ollama._errors import timeout_error

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "Coordinator",
    "HostSnapshot",
    "Lease",
    "SlotRequest",
    "WakeChannel",
]

logger = logging.getLogger("shared_ollama.coordinator")
P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_POLL_INTERVAL = 0.5
"""Seconds a waiter sleeps at most between two looks (it is woken at once when granted)."""


@dataclass(frozen=True, slots=True)
class SlotRequest:
    """What one call asks the coordinator for.

    Attributes:
        host: The Ollama base URL (one queue per host).
        project: The asking project.
        priority: How urgent the call is.
        model: The model it is for, if any.
        slots: The machine-wide cap this process was configured with.
        weight: The project's fair share (relative, default 1).
        asked: Its load-time options, to agree on (``None``: no model call).
        hold: Seconds after which the lease is no longer renewed (``None``: the call's own
            limits end it).
    """

    host: str
    project: str
    priority: Priority
    model: str | None
    slots: int
    weight: float = 1.0
    asked: AskedOptions | None = None
    hold: float | None = None


@dataclass(frozen=True, slots=True)
class Lease:
    """A granted slot; give it back with :meth:`Coordinator.release`.

    Attributes:
        id: The ticket id.
        host: The host it is a slot of.
        agreed: The load-time options every process sends for the model (``None``: none).
        waited: Seconds spent waiting for it.
    """

    id: str
    host: str
    agreed: AgreedOptions | None
    waited: float


@dataclass(frozen=True, slots=True)
class HostSnapshot:
    """One host's state for ``shared-ollama top``."""

    host: str
    now: float
    capacity: int
    tickets: tuple[Ticket, ...]
    agreements: dict[str, AgreedOptions]


class WakeChannel(abc.ABC):
    """How a waiting ticket is told it was granted (it checks again after any wake-up)."""

    @abc.abstractmethod
    def wait(self, timeout: float) -> None:
        """Block until woken or ``timeout`` seconds passed."""

    @abc.abstractmethod
    async def wait_async(self, timeout: float) -> None:
        """Wait without blocking the event loop until woken or ``timeout`` seconds passed."""

    @abc.abstractmethod
    def close(self) -> None:
        """Free the channel."""


Step = Callable[[HostView], Changes]


class _Wait:
    """One acquisition in progress: its ticket id and deadline."""

    __slots__ = ("deadline", "request", "started", "ticket_id", "timeout")

    def __init__(self, request: SlotRequest, timeout: float | None) -> None:
        self.request = request
        self.timeout = timeout
        self.ticket_id = os.urandom(16).hex()
        self.started = time.monotonic()
        self.deadline = None if timeout is None else self.started + timeout

    def nap(self, poll_interval: float) -> float:
        """Seconds to wait before looking again; the ``pool`` timeout once the deadline passed."""
        if self.deadline is None:
            return poll_interval
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise timeout_error("pool", timeout=self.timeout, host=self.request.host)
        return min(remaining, poll_interval)


class Coordinator(abc.ABC):
    """Hands out slots of each host as leases, in the policy's order.

    Args:
        policy: The scheduling tunables.
        clock: Wall-clock seconds shared by every process (default ``time.time``; tests inject).
        poll_interval: Seconds a waiter sleeps at most between two looks.
    """

    #: Whether :meth:`_transact` does network I/O (then async callers run it in a thread).
    blocking_io = False

    def __init__(
        self,
        *,
        policy: SchedulingPolicy,
        clock: Callable[[], float] | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.poll_interval = poll_interval
        self._held: dict[str, str] = {}
        self._held_lock = threading.Lock()
        self._heartbeat: threading.Thread | None = None
        self._stop = threading.Event()
        self._logged: set[tuple[str, str, AgreedOptions]] = set()

    # -- what a back-end provides ------------------------------------------------------------

    @abc.abstractmethod
    def _transact(self, host: str, step: Step) -> tuple[HostView, Changes]:
        """Read ``host``'s state, run ``step`` on it, write its changes, all atomically.

        Also wakes the owners of the tickets the step granted.
        """

    @abc.abstractmethod
    def _channel(self, host: str, ticket_id: str) -> WakeChannel:
        """A channel on which the ticket ``ticket_id`` is woken when granted."""

    @abc.abstractmethod
    def hosts(self) -> list[str]:
        """Every host this coordinator has state for."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop the heartbeat and close connections."""

    # -- the interface -----------------------------------------------------------------------

    def acquire(self, request: SlotRequest, timeout: float | None) -> Lease:
        """Wait (at most ``timeout`` seconds) for a slot of ``request.host`` and return its lease.

        Raises:
            RequestTimeoutError: No slot within ``timeout`` (the ``pool`` phase).
        """
        wait = _Wait(request, timeout)
        lease = self._try(wait, first=True)
        if lease is not None:
            return lease
        channel = self._channel(request.host, wait.ticket_id)
        try:
            while lease is None:
                channel.wait(wait.nap(self.poll_interval))
                lease = self._try(wait, first=False)
            return lease
        finally:
            channel.close()
            if lease is None:  # timed out or interrupted: never leave a ticket (or a grant)
                self._transact(request.host, self._release_step(wait.ticket_id))

    async def acquire_async(self, request: SlotRequest, timeout: float | None) -> Lease:
        """:meth:`acquire` for an event loop: waiting never blocks the loop."""
        wait = _Wait(request, timeout)
        lease = await self._call(self._try, wait, first=True)
        if lease is not None:
            return lease
        channel = self._channel(request.host, wait.ticket_id)
        try:
            while lease is None:
                await channel.wait_async(wait.nap(self.poll_interval))
                lease = await self._call(self._try, wait, first=False)
            return lease
        finally:
            channel.close()
            if lease is None:  # cancelled or timed out: never leave a ticket (or a grant)
                step = self._release_step(wait.ticket_id)
                await asyncio.shield(self._call(self._transact, request.host, step))

    def release(self, lease: Lease) -> None:
        """Give a slot back; the next waiter in the policy's order gets it at once."""
        with self._held_lock:
            self._held.pop(lease.id, None)
        self._transact(lease.host, self._release_step(lease.id))

    async def release_async(self, lease: Lease) -> None:
        """:meth:`release` for an event loop."""
        if self.blocking_io:
            await asyncio.to_thread(self.release, lease)
        else:
            self.release(lease)

    def renew_held(self) -> int:
        """Renew every lease this process holds now; returns how many were renewed."""
        with self._held_lock:
            by_host: dict[str, list[str]] = {}
            for ticket_id, host in self._held.items():
                by_host.setdefault(host, []).append(ticket_id)
        renewed = 0
        for host, ids in by_host.items():
            _, changes = self._transact(host, self._renew_step(ids))
            renewed += len(changes.put)
        return renewed

    def _renew_step(self, ticket_ids: list[str]) -> Step:
        policy = self.policy
        return lambda view: renew(view, ticket_ids, policy)

    def snapshot(self) -> list[HostSnapshot]:
        """Every host's tickets and agreements now (expired tickets left out)."""
        result = []
        for host in self.hosts():
            view, _ = self._transact(host, lambda _view: Changes())
            live = tuple(
                sorted(
                    (ticket for ticket in view.tickets.values() if ticket.expires_at > view.now),
                    key=lambda ticket: ticket.enqueued_at,
                )
            )
            result.append(HostSnapshot(host, view.now, capacity(live), live, dict(view.agreements)))
        return result

    # -- shared machinery --------------------------------------------------------------------

    async def _call(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a store operation: inline when it is local, in a thread when it is network I/O."""
        if self.blocking_io:
            return await asyncio.to_thread(function, *args, **kwargs)
        return function(*args, **kwargs)

    def _try(self, wait: _Wait, *, first: bool) -> Lease | None:
        """Queue the ticket (``first``) or look again, and return the lease once granted."""
        request, ticket_id, policy = wait.request, wait.ticket_id, self.policy

        def step(view: HostView) -> Changes:
            if not first and ticket_id in view.tickets:
                return poll(view, ticket_id, policy)
            # First ask, or our ticket expired (this process stalled past the TTL): queue it,
            # keeping the id so a wake-up still reaches us.
            ticket = Ticket(
                id=ticket_id,
                project=request.project,
                priority=request.priority,
                model=request.model,
                weight=request.weight,
                slots=request.slots,
                pid=os.getpid(),
                enqueued_at=view.now,
                expires_at=view.now + policy.lease_ttl,
                hold_until=None if request.hold is None else view.now + request.hold,
            )
            return enqueue(view, ticket, policy, asked=request.asked)

        view, changes = self._transact(request.host, step)
        return self._granted(request, ticket_id, view, changes, wait.started)

    def _release_step(self, ticket_id: str) -> Step:
        policy = self.policy
        return lambda view: release(view, ticket_id, policy)

    def _granted(
        self,
        request: SlotRequest,
        ticket_id: str,
        view: HostView,
        changes: Changes,
        started: float,
    ) -> Lease | None:
        """The lease when ``ticket_id`` is granted after ``changes``, else ``None``."""
        for model in changes.grew:
            grown = changes.agreements[model]
            key = (request.host, model, grown)
            if key not in self._logged:
                self._logged.add(key)
                logger.info(
                    "Load-time options for %s on %s are now %s for every process sharing it "
                    "(one reload now, none later).",
                    model,
                    request.host,
                    grown.as_dict(),
                )
        ticket = changes.ticket(view, ticket_id)
        if ticket is None or not ticket.granted:
            return None
        agreed: AgreedOptions | None = None
        if request.model is not None:
            agreed = changes.agreements.get(request.model) or view.agreements.get(request.model)
        self._hold(ticket_id, request.host)
        return Lease(ticket_id, request.host, agreed, time.monotonic() - started)

    def _hold(self, ticket_id: str, host: str) -> None:
        with self._held_lock:
            self._held[ticket_id] = host
            if self._heartbeat is None or not self._heartbeat.is_alive():
                self._stop.clear()
                self._heartbeat = threading.Thread(
                    target=self._beat, name="shared-ollama-lease-heartbeat", daemon=True
                )
                self._heartbeat.start()

    def _beat(self) -> None:
        """Renew held leases every third of their TTL until stopped (a daemon thread)."""
        while not self._stop.wait(self.policy.lease_ttl / 3):
            try:
                self.renew_held()
            except Exception:  # noqa: PERF203 (a store hiccup: the next beat retries in time)
                logger.warning("Could not renew shared-ollama leases; retrying.", exc_info=True)

    def _stop_heartbeat(self) -> None:
        self._stop.set()
        thread = self._heartbeat
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)
        self._heartbeat = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(policy={self.policy!r})"
