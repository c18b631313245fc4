"""What every client in the process learns from its calls, and how to forget it all at once.

Each client registers itself here when it is built; :func:`forget_learned_state` (called by
:func:`shared_ollama.testing.reset` between tests) reaches every live one. The breaker-transition
reporter lives here too: it is one per process, rebuilt after a reset so it reports to the
OpenTelemetry providers installed then.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from shared_ollama._resilience._breaker import BreakerState
    from shared_ollama.telemetry import Instrumentation

__all__ = ["forget_learned_state", "remember_client", "report_transition"]


class LearnsFromCalls(Protocol):
    """A client that keeps what it learned from earlier calls (a ``BaseClient``)."""

    def _forget_learned_state(self) -> None: ...


_TRANSITIONS: list[Instrumentation] = []
_LIVE_CLIENTS: weakref.WeakSet[LearnsFromCalls] = weakref.WeakSet()
"""Every client alive in the process, so :func:`forget_learned_state` can reach them all."""


def remember_client(client: LearnsFromCalls) -> None:
    """Register a new client so :func:`forget_learned_state` reaches it (held weakly)."""
    _LIVE_CLIENTS.add(client)


def forget_learned_state() -> None:
    """Make every live client forget what it learned from earlier calls (between tests).

    Sticky ``num_ctx``/``keep_alive`` choices, which models each host has loaded or pulled, and
    concurrency limits lowered by busy answers are forgotten; the breaker-transition reporter is rebuilt on the next transition (so it
    reports to the OpenTelemetry providers installed then).
    """
    _TRANSITIONS.clear()
    for client in list(_LIVE_CLIENTS):
        client._forget_learned_state()


def report_transition(old: BreakerState, new: BreakerState, host: str) -> None:
    """Count breaker state changes on the global OpenTelemetry providers (one reporter per process)."""
    if not _TRANSITIONS:
        from shared_ollama.telemetry import Instrumentation  # noqa: PLC0415 (loaded on first use)

        _TRANSITIONS.append(Instrumentation())
    _TRANSITIONS[0].breaker_transition(host=host, old=old.value, new=new.value)
