"""The process-wide breakers: one per host, shared by every sync and async client of that host."""

from __future__ import annotations

import threading

from shared_ollama._resilience._breaker import BreakerState, CircuitBreaker, StateListener
from shared_ollama._resilience._policy import DEFAULT_BREAKER_POLICY, BreakerPolicy

__all__ = ["BreakerRegistry", "breaker_for", "breaker_registry", "reset_breakers"]


class BreakerRegistry:
    """One breaker per host, shared by every sync and async client of that host.

    Listeners added with :meth:`add_listener` hear the state changes of every breaker it holds.
    """

    __slots__ = ("_breakers", "_listeners", "_lock")

    def __init__(self) -> None:
        self._breakers: dict[str, CircuitBreaker] = {}
        self._listeners: list[StateListener] = []
        self._lock = threading.Lock()

    def get(self, host: str, policy: BreakerPolicy = DEFAULT_BREAKER_POLICY) -> CircuitBreaker:
        """The breaker of ``host`` (trailing slash ignored), made from ``policy`` on first use."""
        key = host.rstrip("/")
        with self._lock:
            breaker = self._breakers.get(key)
            if breaker is None:
                breaker = CircuitBreaker(key, policy=policy, on_state_change=self._dispatch)
                self._breakers[key] = breaker
            return breaker

    def add_listener(self, listener: StateListener) -> None:
        """Call ``listener(old, new, host)`` on every state change of every breaker here.

        Adding the same listener twice keeps one registration.
        """
        with self._lock:
            if listener not in self._listeners:
                self._listeners.append(listener)

    def remove_listener(self, listener: StateListener) -> None:
        """Stop calling a listener added before (no error if it is absent)."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def clear(self) -> None:
        """Close every breaker (clients holding one see it closed), then forget them and the listeners.

        The next client of a host gets a new breaker made from its own policy.
        """
        with self._lock:
            breakers = list(self._breakers.values())
            self._breakers.clear()
            self._listeners.clear()
        for breaker in breakers:
            breaker.reset()

    def _dispatch(self, old: BreakerState, new: BreakerState, host: str) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(old, new, host)

    def __repr__(self) -> str:
        return f"BreakerRegistry(hosts={sorted(self._breakers)!r})"


_DEFAULT_REGISTRY = BreakerRegistry()


def breaker_registry() -> BreakerRegistry:
    """The process-wide registry that :func:`breaker_for` uses."""
    return _DEFAULT_REGISTRY


def breaker_for(host: str, policy: BreakerPolicy = DEFAULT_BREAKER_POLICY) -> CircuitBreaker:
    """The process-wide breaker of ``host``; ``policy`` applies only when it is first created."""
    return _DEFAULT_REGISTRY.get(host, policy)


def reset_breakers() -> None:
    """Forget every process-wide breaker and listener (for tests)."""
    _DEFAULT_REGISTRY.clear()
