"""Who gets the next free slot: the coordinator's scheduling policy, without I/O.

Every back-end reads one host's state into a :class:`HostView`, calls one function here, and
writes back the :class:`Changes` it returns, in one atomic step (a SQLite write transaction, or
a Redis script that applies them only if nothing changed since the read). So the policy is
written and tested once, with an injected clock, and both back-ends behave the same.

A request holds a :class:`Ticket`: waiting until it is granted, then a lease. Every ticket
expires ``lease_ttl`` seconds after it was last renewed; a process that dies or hangs stops
renewing and loses its slot (the embedded back-end also frees it at once when the process is
gone). Free slots go to waiting tickets in this order:

1. **Overdue first, oldest first.** A ticket that has waited ``(rank + 1) * aging_step``
   (``rank``: interactive 0, normal 1, batch 2) is overdue, and overdue tickets are served in
   arrival order before any other. So a ``batch`` request waits at most ``3 * aging_step`` plus
   the time the requests already overdue when it became overdue take (all of them arrived
   before it: at most the queue it joined, divided by the slots, times a request's service time).
2. **Highest priority**: by ``rank`` minus one per ``aging_step`` waited (a ``batch`` ticket that
   has waited one step competes as ``normal``).
3. **Fair share between projects** (stride scheduling, a weighted round-robin): each grant adds
   ``1 / weight`` to the project's *pass*, and the lowest pass after the grant goes first. A project that starts
   waiting after being idle joins at the lowest pass of the active projects, so idleness earns
   no credit to spend later (and use while alone earns no debt).
4. **A loaded model** among equals (in flight now, or used within ``loaded_ttl``), so the daemon
   does not swap models needlessly.
5. **First come, first served.**
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from shared_ollama._coordinator._options import AgreedOptions, AskedOptions, agree

__all__ = [
    "DEFAULT_AGING_STEP",
    "DEFAULT_LEASE_TTL",
    "DEFAULT_LOADED_TTL",
    "DEFAULT_PRIORITY",
    "PRIORITIES",
    "Changes",
    "HostView",
    "Priority",
    "SchedulingPolicy",
    "Ticket",
    "capacity",
    "enqueue",
    "parse_priority",
    "poll",
    "release",
    "renew",
    "waiting_order",
]

Priority = Literal["interactive", "normal", "batch"]
PRIORITIES: tuple[Priority, ...] = get_args(Priority)
"""The priorities, most urgent first; a priority's index is its rank."""
DEFAULT_PRIORITY: Priority = "normal"
DEFAULT_LEASE_TTL = 10.0
"""Seconds a ticket lives without renewal; holders renew every third of it."""
DEFAULT_AGING_STEP = 10.0
"""Seconds of waiting that raise a ticket by one priority (batch is overdue after 30 s)."""
DEFAULT_LOADED_TTL = 300.0
"""Seconds a model counts as loaded after its last use (Ollama's default keep_alive)."""
_RANK = {name: rank for rank, name in enumerate(PRIORITIES)}


def parse_priority(value: str, *, source: str = "priority") -> Priority:
    """``value`` as a :data:`Priority`, or a ``ValueError`` naming the allowed values."""
    text = value.strip().lower() if isinstance(value, str) else value
    for name in PRIORITIES:
        if text == name:
            return name
    raise ValueError(
        f"{source}={value!r} is not a priority: use one of {', '.join(map(repr, PRIORITIES))} "
        "(interactive for a person waiting, batch for background work)."
    )


@dataclass(frozen=True, slots=True)
class SchedulingPolicy:
    """The coordinator's tunables (every process sharing a host should use the same).

    Attributes:
        lease_ttl: Seconds a ticket lives without renewal.
        aging_step: Seconds of waiting that raise a ticket by one priority.
        loaded_ttl: Seconds a model counts as loaded after its last use.
        num_ctx_ceiling: The largest ``num_ctx`` the agreement may grow to (``None``: no cap).
    """

    lease_ttl: float = DEFAULT_LEASE_TTL
    aging_step: float = DEFAULT_AGING_STEP
    loaded_ttl: float = DEFAULT_LOADED_TTL
    num_ctx_ceiling: int | None = None

    def __post_init__(self) -> None:
        for name in ("lease_ttl", "aging_step", "loaded_ttl"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"SchedulingPolicy({name}={value!r}) must be a positive number.")
        ceiling = self.num_ctx_ceiling
        if ceiling is not None and (isinstance(ceiling, bool) or ceiling < 1):
            raise ValueError(f"num_ctx_ceiling={ceiling!r} must be a positive whole number.")

    def max_wait(self, priority: Priority) -> float:
        """Seconds after which a waiting ticket of ``priority`` is overdue."""
        return (_RANK[priority] + 1) * self.aging_step


@dataclass(frozen=True, slots=True)
class Ticket:
    """One request for a slot: waiting while ``granted_at`` is ``None``, then a lease.

    Attributes:
        id: Unique id (also names the owner's wake-up channel).
        project: The asking project (fair share is between projects).
        priority: How urgent it is.
        model: The model the request is for, if any.
        weight: The project's share relative to others (default 1).
        slots: The cap the asking process was configured with (the smallest live one wins).
        pid: The owning process (the embedded back-end frees tickets of dead processes).
        enqueued_at: When it started waiting (the back-end's clock).
        expires_at: When it is dropped unless renewed.
        granted_at: When it became a lease.
        hold_until: After this, renewals stop (a hung request loses its slot).
    """

    id: str
    project: str
    priority: Priority
    model: str | None
    weight: float
    slots: int
    pid: int
    enqueued_at: float
    expires_at: float
    granted_at: float | None = None
    hold_until: float | None = None

    @property
    def granted(self) -> bool:
        """Whether this ticket holds a slot."""
        return self.granted_at is not None


@dataclass(frozen=True, slots=True)
class HostView:
    """Everything the coordinator knows about one host, as read at ``now``.

    Attributes:
        now: The back-end's clock (seconds; wall clock, shared by every process).
        tickets: Tickets by id, waiting and granted (possibly expired).
        passes: Each project's fair-share pass.
        loaded: When each model was last in use.
        agreements: The agreed load-time options by model.
    """

    now: float
    tickets: Mapping[str, Ticket] = field(default_factory=dict)
    passes: Mapping[str, float] = field(default_factory=dict)
    loaded: Mapping[str, float] = field(default_factory=dict)
    agreements: Mapping[str, AgreedOptions] = field(default_factory=dict)


@dataclass(slots=True)
class Changes:
    """What a step decided: the back-end writes exactly this.

    Attributes:
        put: Tickets to write (new, renewed, or granted).
        drop: Ticket ids to delete (released, cancelled or expired).
        passes: New pass values by project.
        loaded: New last-use times by model.
        agreements: New agreed options by model.
        woken: Ids of tickets granted by this step (their owners are told at once).
        grew: Models whose agreement this step changed (logged once by the caller).
    """

    put: dict[str, Ticket] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)
    passes: dict[str, float] = field(default_factory=dict)
    loaded: dict[str, float] = field(default_factory=dict)
    agreements: dict[str, AgreedOptions] = field(default_factory=dict)
    woken: list[str] = field(default_factory=list)
    grew: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.put or self.drop or self.passes or self.loaded or self.agreements)

    def apply(self, view: HostView) -> HostView:
        """``view`` with these changes made (what the back-end stores)."""
        tickets = {key: value for key, value in view.tickets.items() if key not in self.drop}
        tickets.update(self.put)
        return HostView(
            view.now,
            tickets,
            {**view.passes, **self.passes},
            {**view.loaded, **self.loaded},
            {**view.agreements, **self.agreements},
        )

    def ticket(self, view: HostView, ticket_id: str) -> Ticket | None:
        """The ticket ``ticket_id`` as it is after these changes (``None``: gone)."""
        if ticket_id in self.drop:
            return None
        return self.put.get(ticket_id) or view.tickets.get(ticket_id)


def capacity(tickets: Iterable[Ticket]) -> int:
    """Slots in use at most: the smallest cap among live tickets (0 when there are none)."""
    return min((ticket.slots for ticket in tickets), default=0)


def _effective_rank(ticket: Ticket, now: float, policy: SchedulingPolicy) -> int:
    """Rank minus one per ``aging_step`` waited; ``-1`` once overdue."""
    waited = max(now - ticket.enqueued_at, 0.0)
    if waited >= policy.max_wait(ticket.priority):
        return -1
    return _RANK[ticket.priority] - int(waited // policy.aging_step)


def waiting_order(
    waiting: Iterable[Ticket],
    *,
    now: float,
    passes: Mapping[str, float],
    loaded: Iterable[str],
    policy: SchedulingPolicy,
) -> list[Ticket]:
    """Waiting tickets in the order they get free slots (see the module docstring)."""
    warm = set(loaded)

    def key(ticket: Ticket) -> tuple[int, float, int, float, str]:
        rank = _effective_rank(ticket, now, policy)
        if rank < 0:
            return (rank, 0.0, 0, ticket.enqueued_at, ticket.id)
        cold = 0 if ticket.model is None or ticket.model in warm else 1
        finish = passes.get(ticket.project, 0.0) + 1.0 / ticket.weight  # pass after this grant
        return (rank, finish, cold, ticket.enqueued_at, ticket.id)

    return sorted(waiting, key=key)


def _schedule(view: HostView, changes: Changes, policy: SchedulingPolicy) -> None:
    """Drop expired tickets and grant free slots to the best waiting ones, into ``changes``."""
    now = view.now
    live: dict[str, Ticket] = {}
    for ticket_id in view.tickets.keys() | changes.put.keys():
        ticket = changes.ticket(view, ticket_id)
        if ticket is None:
            continue
        if ticket.expires_at <= now:
            changes.drop.add(ticket_id)
            changes.put.pop(ticket_id, None)
        else:
            live[ticket_id] = ticket
    held = [ticket for ticket in live.values() if ticket.granted]
    free = capacity(live.values()) - len(held)
    if free <= 0:
        return
    waiting = [ticket for ticket in live.values() if not ticket.granted]
    if not waiting:
        return
    passes = {**view.passes, **changes.passes}
    loaded = {
        model
        for model, seen in {**view.loaded, **changes.loaded}.items()
        if now - seen < policy.loaded_ttl
    } | {ticket.model for ticket in held if ticket.model is not None}
    for _ in range(free):
        if not waiting:
            break
        best = (
            waiting[0]
            if len(waiting) == 1
            else waiting_order(waiting, now=now, passes=passes, loaded=loaded, policy=policy)[0]
        )
        waiting.remove(best)
        changes.put[best.id] = _grant(best, now, policy.lease_ttl)
        passes[best.project] = passes.get(best.project, 0.0) + 1.0 / best.weight
        changes.passes[best.project] = passes[best.project]
        changes.woken.append(best.id)
        if best.model is not None:
            loaded.add(best.model)


def _grant(ticket: Ticket, now: float, ttl: float) -> Ticket:
    """``ticket`` granted at ``now`` (built directly: ``dataclasses.replace`` is slow here)."""
    return Ticket(
        ticket.id,
        ticket.project,
        ticket.priority,
        ticket.model,
        ticket.weight,
        ticket.slots,
        ticket.pid,
        ticket.enqueued_at,
        now + ttl,
        now,
        ticket.hold_until,
    )


def _join_pass(view: HostView, project: str) -> float | None:
    """The pass a project starting to wait gets, or ``None`` when it keeps its own.

    A project already waiting or holding keeps its pass. One that was idle joins at the lowest
    pass among the active projects: no credit for having been idle, and no debt for what it
    used while it was alone.
    """
    active = {ticket.project for ticket in view.tickets.values() if ticket.expires_at > view.now}
    if project in active or not active:
        return None
    floor = min(view.passes.get(name, 0.0) for name in active)
    return None if floor == view.passes.get(project) else floor


def enqueue(
    view: HostView,
    ticket: Ticket,
    policy: SchedulingPolicy,
    *,
    asked: AskedOptions | None = None,
) -> Changes:
    """Add a waiting ``ticket``, grow its model's agreement to ``asked``, and schedule."""
    changes = Changes()
    joined = _join_pass(view, ticket.project)
    if joined is not None:
        changes.passes[ticket.project] = joined
    changes.put[ticket.id] = ticket
    if ticket.model is not None and asked is not None:
        current = view.agreements.get(ticket.model)
        agreed = agree(current, asked, ceiling=policy.num_ctx_ceiling)
        if agreed != current:
            changes.agreements[ticket.model] = agreed
            changes.grew.append(ticket.model)
    _schedule(view, changes, policy)
    _not_self(changes, ticket.id)
    return changes


def _not_self(changes: Changes, ticket_id: str) -> None:
    """The caller learns of its own grant from the step's result: no wake-up for it."""
    if ticket_id in changes.woken:
        changes.woken.remove(ticket_id)


def poll(view: HostView, ticket_id: str, policy: SchedulingPolicy) -> Changes:
    """Renew the waiting ticket ``ticket_id`` and schedule (run by a waiter now and then)."""
    changes = renew(view, [ticket_id], policy)
    _schedule(view, changes, policy)
    _not_self(changes, ticket_id)
    return changes


def release(view: HostView, ticket_id: str, policy: SchedulingPolicy) -> Changes:
    """Remove ``ticket_id`` (a lease or a waiting ticket) and hand free slots on."""
    changes = Changes()
    ticket = view.tickets.get(ticket_id)
    if ticket is not None:
        changes.drop.add(ticket_id)
        if ticket.granted and ticket.model is not None:
            changes.loaded[ticket.model] = view.now
    _schedule(view, changes, policy)
    return changes


def renew(view: HostView, ticket_ids: Iterable[str], policy: SchedulingPolicy) -> Changes:
    """Extend the given live tickets by ``lease_ttl`` (except leases past their ``hold_until``)."""
    changes = Changes()
    now = view.now
    for ticket_id in ticket_ids:
        ticket = view.tickets.get(ticket_id)
        if ticket is None or ticket.expires_at <= now:
            continue
        if ticket.granted and ticket.hold_until is not None and now >= ticket.hold_until:
            continue
        changes.put[ticket_id] = dataclasses.replace(ticket, expires_at=now + policy.lease_ttl)
    return changes
