"""How one host's coordinator state is stored: a compact JSON document (``orjson``).

The embedded back-end keeps each host's whole state in one SQLite row, so a step is one read
and one write (the cheapest transaction SQLite has); ``top`` and tests decode the same format.
"""

from __future__ import annotations

from typing import Any

from shared_ollama._coordinator._options import AgreedOptions
from shared_ollama._coordinator._policy import HostView, Ticket
from shared_ollama._json import dumps, loads

__all__ = ["decode_ticket", "decode_view", "encode_ticket", "encode_view"]


def encode_ticket(ticket: Ticket) -> list[Any]:
    """A ticket as a JSON array (its fields in order)."""
    return [
        ticket.id,
        ticket.project,
        ticket.priority,
        ticket.model,
        ticket.weight,
        ticket.slots,
        ticket.pid,
        ticket.enqueued_at,
        ticket.expires_at,
        ticket.granted_at,
        ticket.hold_until,
    ]


def decode_ticket(row: list[Any]) -> Ticket:
    """The inverse of :func:`encode_ticket`."""
    return Ticket(*row)


def encode_view(view: HostView) -> bytes:
    """A host's tickets, passes, loaded models and agreements (not ``now``)."""
    return dumps(
        {
            "tickets": [encode_ticket(ticket) for ticket in view.tickets.values()],
            "passes": view.passes,
            "loaded": view.loaded,
            "agreements": {
                model: [agreed.num_ctx, agreed.keep_alive]
                for model, agreed in view.agreements.items()
            },
        }
    )


def decode_view(data: bytes | None, now: float) -> HostView:
    """The view stored as ``data`` (``None``: a host nobody used yet), read at ``now``."""
    if not data:
        return HostView(now)
    state = loads(data)
    tickets = {row[0]: decode_ticket(row) for row in state["tickets"]}
    agreements = {
        model: AgreedOptions(num_ctx, keep_alive)
        for model, (num_ctx, keep_alive) in state["agreements"].items()
    }
    return HostView(now, tickets, state["passes"], state["loaded"], agreements)
