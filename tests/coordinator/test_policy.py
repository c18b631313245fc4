"""The scheduling policy on its own: an injected clock, no store, no processes."""

from __future__ import annotations

import pytest

from shared_ollama._coordinator._options import AgreedOptions, AskedOptions
from shared_ollama._coordinator._policy import (
    Changes,
    HostView,
    Priority,
    SchedulingPolicy,
    Ticket,
    enqueue,
    parse_priority,
    poll,
    release,
    renew,
)

POLICY = SchedulingPolicy(lease_ttl=1000.0, aging_step=10.0)


class Host:
    """One host's state kept in memory, stepped like a back-end steps it."""

    def __init__(self, policy: SchedulingPolicy = POLICY, slots: int = 1) -> None:
        self.policy = policy
        self.slots = slots
        self.view = HostView(0.0)
        self.count = 0

    def at(self, now: float) -> Host:
        self.view = HostView(
            now, self.view.tickets, self.view.passes, self.view.loaded, self.view.agreements
        )
        return self

    def step(self, changes: Changes) -> Changes:
        self.view = changes.apply(self.view)
        return changes

    def ask(
        self,
        project: str,
        priority: Priority = "normal",
        *,
        model: str | None = None,
        weight: float = 1.0,
        asked: AskedOptions | None = None,
    ) -> str:
        self.count += 1
        ticket_id = f"{project}-{priority}-{self.count}"
        now = self.view.now
        ticket = Ticket(ticket_id, project, priority, model, weight, self.slots, 1, now, now + 1e9)
        self.step(enqueue(self.view, ticket, self.policy, asked=asked))
        return ticket_id

    def done(self, ticket_id: str) -> list[str]:
        return self.step(release(self.view, ticket_id, self.policy)).woken

    def holders(self) -> set[str]:
        return {key for key, ticket in self.view.tickets.items() if ticket.granted}

    def serve_all(self) -> list[str]:
        """Release holders one at a time until nothing waits; the order slots were granted."""
        order: list[str] = []
        while self.view.tickets:
            (holder,) = sorted(self.holders())
            order.extend(self.done(holder))
        return order


def test_policy_grants_free_slot_at_once() -> None:
    """An uncontended ask is granted by its own step, and nobody is woken for it."""
    host = Host()
    ticket = Ticket("a", "p", "normal", None, 1.0, 1, 1, 0.0, 10.0)
    changes = enqueue(host.view, ticket, POLICY)
    assert changes.put["a"].granted_at == 0.0
    assert changes.woken == []


def test_policy_priority_order_of_grants() -> None:
    """Each release hands the slot to the most urgent waiter."""
    host = Host()
    first = host.ask("x")
    host.ask("a", "batch")
    host.ask("b", "normal")
    host.ask("c", "interactive")
    granted = host.done(first)
    granted += host.serve_all()
    assert [t.split("-")[1] for t in granted] == ["interactive", "normal", "batch"]


def test_policy_fair_share_round_robin_between_projects() -> None:
    """Within a priority, projects take turns even when one queued many requests first."""
    host = Host()
    first = host.ask("seed")
    for _ in range(3):
        host.ask("big")
    for _ in range(3):
        host.ask("small")
    order = [host.done(first)[0], *host.serve_all()]
    assert [t.split("-")[0] for t in order] == ["big", "small"] * 3


def test_policy_fair_share_follows_weights() -> None:
    """A project of weight 2 gets two slots for each one of a weight-1 project."""
    host = Host()
    first = host.ask("seed")
    for _ in range(4):
        host.ask("heavy", weight=2.0)
    for _ in range(2):
        host.ask("light")
    order = [host.done(first)[0], *host.serve_all()]
    assert [t.split("-")[0] for t in order] == [
        "heavy",
        "heavy",
        "light",
        "heavy",
        "heavy",
        "light",
    ]


def test_policy_idle_project_earns_no_credit() -> None:
    """A project that returns after idling joins at the active projects' pass, not below."""
    host = Host()
    for _ in range(5):  # "old" was served alone five times
        host.done(host.ask("old"))
    first = host.ask("busy")
    for _ in range(3):
        host.ask("busy")
    host.done(first)
    (holder,) = host.holders()
    for _ in range(3):
        host.ask("old")
    order = [*host.done(holder), *host.serve_all()]
    projects = [t.split("-")[0] for t in order]
    assert projects[:4] in (["busy", "old", "busy", "old"], ["old", "busy", "old", "busy"])


def test_policy_prefers_loaded_model_among_equals() -> None:
    """Between two requests of one project and priority, the loaded model's goes first."""
    host = Host()
    first = host.ask("p", model="warm")
    cold = host.ask("p", model="cold")
    warm = host.ask("p", model="warm")
    assert host.done(first) == [warm]
    assert host.done(warm) == [cold]


def test_policy_aging_lifts_batch_one_priority_per_step() -> None:
    """A batch request that waited one aging step beats a fresh normal one."""
    host = Host()
    first = host.ask("x")
    batch = host.ask("b", "batch")
    host.at(POLICY.aging_step)
    host.ask("n", "normal")
    assert host.done(first) == [batch]


def test_policy_aging_bound_overdue_batch_beats_interactive() -> None:
    """After 3 aging steps a batch request is overdue and goes before any fresh interactive."""
    host = Host()
    first = host.ask("x")
    batch = host.ask("b", "batch")
    host.at(POLICY.max_wait("batch") - 0.001)
    host.ask("i", "interactive")
    host.at(POLICY.max_wait("batch"))
    assert POLICY.max_wait("batch") == 3 * POLICY.aging_step
    assert host.done(first) == [batch]


def test_policy_expired_lease_frees_its_slot() -> None:
    """A lease not renewed within its TTL is dropped and its slot goes to a waiter."""
    host = Host()
    holder = host.ask("dead")
    waiter = host.ask("alive")
    host.at(POLICY.lease_ttl + 1.0)
    changes = host.step(poll(host.view, waiter, POLICY))
    assert holder in changes.drop
    assert host.holders() == {waiter}


def test_policy_renew_stops_at_hold_limit() -> None:
    """A lease past its ``hold_until`` is not renewed (a hung request loses its slot)."""
    ticket = Ticket("a", "p", "normal", None, 1.0, 1, 1, 0.0, 10.0, granted_at=0.0, hold_until=5.0)
    early = renew(HostView(4.0, {"a": ticket}), ["a"], POLICY)
    late = renew(HostView(6.0, {"a": ticket}), ["a"], POLICY)
    assert early.put["a"].expires_at == 4.0 + POLICY.lease_ttl
    assert late.put == {}


def test_policy_smallest_cap_wins() -> None:
    """Processes configured with different caps share the smallest."""
    host = Host(slots=2)
    host.ask("a")
    host.slots = 1
    second = host.ask("b")
    assert second not in host.holders()


def test_policy_agreement_grows_once_and_caps_at_ceiling() -> None:
    """num_ctx agreed is the largest asked within the ceiling; growth is reported once."""
    policy = SchedulingPolicy(num_ctx_ceiling=8192)
    host = Host(policy, slots=4)
    host.ask("a", model="m", asked=AskedOptions(num_ctx=2048, keep_alive="5m"))
    assert host.view.agreements["m"] == AgreedOptions(2048, "5m")
    ticket = Ticket("z", "b", "normal", "m", 1.0, 4, 1, 0.0, 10.0)
    grew = enqueue(host.view, ticket, policy, asked=AskedOptions(num_ctx=4096, keep_alive="1h"))
    assert grew.grew == ["m"]
    host.step(grew)
    again = enqueue(host.view, ticket, policy, asked=AskedOptions(num_ctx=2048))
    assert again.grew == []
    host.ask("c", model="m", asked=AskedOptions(num_ctx=65536, keep_alive=0))
    assert host.view.agreements["m"] == AgreedOptions(8192, "1h")


@pytest.mark.parametrize("value", ["interactive", "normal", "batch", " Batch "])
def test_parse_priority_accepts_names(value: str) -> None:
    """The three priorities parse, whatever the case and spacing."""
    assert parse_priority(value) == value.strip().lower()


def test_parse_priority_rejects_unknown_with_the_choices() -> None:
    """A wrong priority names the allowed ones."""
    with pytest.raises(ValueError, match="'interactive', 'normal', 'batch'"):
        parse_priority("urgent", source="SHARED_OLLAMA_PRIORITY")


def test_scheduling_policy_rejects_bad_values() -> None:
    """Non-positive tunables are refused with the field's name."""
    with pytest.raises(ValueError, match="aging_step"):
        SchedulingPolicy(aging_step=0)
