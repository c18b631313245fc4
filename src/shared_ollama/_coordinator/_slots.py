"""The machine-wide slots of one host as one client asks for them: leases from the coordinator.

A client with ``machine_slots=N`` (or ``SHARED_OLLAMA_MACHINE_SLOTS=N``) holds a
:class:`MachineQueue` per host. Each model call takes a lease before it is sent and gives it
back when its reply is read; the lease carries the options every process agreed on for the
model, which :meth:`MachineQueue.agree` writes into the request (logged once per change, and set
on the call's span).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from shared_ollama._coordinator._leases import SlotRequest
from shared_ollama._coordinator._options import AskedOptions, apply_agreement
from shared_ollama._coordinator._policy import Priority

if TYPE_CHECKING:
    from shared_ollama._coordinator._leases import Coordinator, Lease

__all__ = ["MachineQueue"]

logger = logging.getLogger("shared_ollama.coordinator")
_noted: set[tuple[str, str, str, str, str]] = set()
_noted_lock = threading.Lock()


class MachineQueue:
    """``slots`` requests in flight to ``host`` from every process sharing the coordinator.

    Args:
        coordinator: The process's coordinator.
        host: The Ollama base URL.
        slots: The cap.
        project: Who asks (fair share is between projects).
        priority: How urgent this client's calls are.
        weight: The project's share of contended slots.
    """

    __slots__ = ("coordinator", "host", "priority", "project", "slots", "weight")

    def __init__(
        self,
        coordinator: Coordinator,
        host: str,
        slots: int,
        *,
        project: str,
        priority: Priority,
        weight: float = 1.0,
    ) -> None:
        if slots < 1:
            raise ValueError(f"machine slots={slots!r} must be at least 1.")
        self.coordinator = coordinator
        self.host = host
        self.slots = slots
        self.project = project
        self.priority = priority
        self.weight = weight

    def _request(self, model: str | None, payload: dict[str, Any] | None) -> SlotRequest:
        return SlotRequest(
            host=self.host,
            project=self.project,
            priority=self.priority,
            model=model,
            slots=self.slots,
            weight=self.weight,
            asked=AskedOptions.from_payload(payload) if model is not None else None,
        )

    def acquire(
        self,
        timeout: float | None,
        *,
        model: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> Lease:
        """Wait for a slot (at most ``timeout`` seconds, else the ``pool`` timeout)."""
        return self.coordinator.acquire(self._request(model, payload), timeout)

    async def aacquire(
        self,
        timeout: float | None,
        *,
        model: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> Lease:
        """:meth:`acquire` without blocking the event loop."""
        return await self.coordinator.acquire_async(self._request(model, payload), timeout)

    def release(self, lease: Lease) -> None:
        """Give the slot back (the next waiter in the policy's order gets it)."""
        self.coordinator.release(lease)

    async def arelease(self, lease: Lease) -> None:
        """:meth:`release` from an event loop; it completes even if the caller is cancelled.

        (Embedded: one local transaction with no await in it; Redis: a worker thread that runs
        to its end whatever happens to the awaiting task.)
        """
        await self.coordinator.release_async(lease)

    def agree(
        self, lease: Lease, model: str, payload: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, dict[str, tuple[Any, Any]]]:
        """The payload with the agreed options (``None``: unchanged) and what changed."""
        if lease.agreed is None:
            return None, {}
        changed_payload, changed = apply_agreement(payload, lease.agreed)
        for field, (asked, sent) in changed.items():
            key = (self.host, model, field, repr(asked), repr(sent))
            with _noted_lock:
                first = key not in _noted
                _noted.add(key)
            if first:
                logger.info(
                    "%s=%r for %s sent as %r, the value every process sharing %s agreed on, so "
                    "the daemon does not reload the model (logged once).",
                    field,
                    asked,
                    model,
                    sent,
                    self.host,
                )
        return changed_payload, changed

    def __repr__(self) -> str:
        return (
            f"MachineQueue({self.host!r}, slots={self.slots}, project={self.project!r}, "
            f"priority={self.priority!r}, coordinator={self.coordinator!r})"
        )
