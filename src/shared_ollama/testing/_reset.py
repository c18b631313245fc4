"""One reset of everything shared-ollama keeps per process, for test suites.

A test suite runs many tests in one process, and some of our state is process-wide on purpose
(one breaker and one retry budget per host, the default client behind ``shared_ollama.chat``,
the machine-wide slot coordinators) or lives in clients a suite keeps for several tests (sticky
options, which models are loaded). Without a reset, a few tests that see 500s from a mock server
open the breaker of its port and every later test fails with ``CircuitOpenError``.

:func:`reset` returns all of it to a fresh process's state. The pytest plugin calls it before
every test; other runners call it themselves (see docs/testing.md).
"""

from __future__ import annotations

import sys

__all__ = ["reset"]

# What to reset: (module, function). A module that is not imported yet holds no state, so it
# is skipped rather than imported: resetting never loads anything.
_RESETS: tuple[tuple[str, str], ...] = (
    ("shared_ollama._core._default_client", "reset_default_client"),
    ("shared_ollama._core._learned_state", "forget_learned_state"),
    ("shared_ollama._resilience._breaker_registry", "reset_breakers"),
    ("shared_ollama._resilience._retry_budget", "reset_budgets"),
    ("shared_ollama._coordinator._registry", "reset_coordinators"),
    ("shared_ollama.plugins._shared_clients", "close_shared_clients"),
)


def reset() -> None:
    """Return shared-ollama's process-wide state to that of a fresh process.

    Closes every circuit breaker (also the ones clients still hold) and forgets it, so the next
    client of a host starts with a closed breaker made from its own policy; refills every retry
    budget; closes the default client of ``shared_ollama.chat(...)``; closes the machine-wide
    slot coordinators; closes the clients integrations share (they get new ones on their next
    call); makes live clients forget sticky options and which models are loaded.

    Call it between tests (the pytest plugin does, before each test). It is cheap and never
    imports a part of shared-ollama that is not loaded yet. Requests still in flight are not
    interrupted.
    """
    for module_name, function in _RESETS:
        module = sys.modules.get(module_name)
        if module is not None:
            getattr(module, function)()
