"""A per-client health gate: probe once, trust the answer for a few seconds.

The cache is pure state with an injectable monotonic clock; its lock guards the cache only,
never a probe. Sync and async clients share one gate and one cache, each with its own probe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable

from shared_ollama._errors import OllamaUnavailableError
from shared_ollama._resilience._health_probe import (
    ServiceHealth,
    acheck_service_health,
    check_service_health,
)

__all__ = ["DEFAULT_GATE_TTL_S", "HealthGate"]

DEFAULT_GATE_TTL_S = 5.0


class HealthGate:
    """A per-client health check that asks once and trusts the answer for ``ttl_s`` seconds.

    The cache is pure state guarded by a lock that is never held during a probe; the probes are
    injected (``check_service_health`` / ``acheck_service_health`` for ``base_url`` by default).

    Example:
        >>> gate = HealthGate("http://127.0.0.1:11434", ttl_s=5)
        >>> gate.require()  # doctest: +SKIP
    """

    __slots__ = (
        "_aprobe",
        "_base_url",
        "_checked_at",
        "_clock",
        "_last",
        "_lock",
        "_probe",
        "ttl_s",
    )

    def __init__(
        self,
        base_url: str | None = None,
        *,
        ttl_s: float = DEFAULT_GATE_TTL_S,
        probe: Callable[[], ServiceHealth] | None = None,
        aprobe: Callable[[], Awaitable[ServiceHealth]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s < 0:
            raise ValueError(f"ttl_s must be >= 0, got {ttl_s}")
        self._base_url = base_url
        self.ttl_s = ttl_s
        self._probe = probe or (lambda: check_service_health(base_url))
        self._aprobe = aprobe or (lambda: acheck_service_health(base_url))
        self._clock = clock
        self._lock = threading.Lock()
        self._last: ServiceHealth | None = None
        self._checked_at = 0.0

    def cached(self) -> ServiceHealth | None:
        """The last answer if it is younger than ``ttl_s``, else ``None``."""
        with self._lock:
            if self._last is not None and self._clock() - self._checked_at < self.ttl_s:
                return self._last
            return None

    def record(self, health: ServiceHealth) -> ServiceHealth:
        """Remember ``health`` as the answer of now; returns it."""
        with self._lock:
            self._last, self._checked_at = health, self._clock()
        return health

    def invalidate(self) -> None:
        """Forget the cached answer, so the next check probes (e.g. after a connection error)."""
        with self._lock:
            self._last = None

    def check(self) -> ServiceHealth:
        """The cached answer, or a fresh probe's."""
        return self.cached() or self.record(self._probe())

    async def acheck(self) -> ServiceHealth:
        """The cached answer, or a fresh async probe's."""
        return self.cached() or self.record(await self._aprobe())

    def require(self) -> ServiceHealth:
        """Like :meth:`check`, but raise when the server is down.

        Raises:
            OllamaUnavailableError: The (possibly cached) answer says the server is down.
        """
        return _required(self.check())

    async def arequire(self) -> ServiceHealth:
        """Like :meth:`acheck`, but raise when the server is down.

        Raises:
            OllamaUnavailableError: The (possibly cached) answer says the server is down.
        """
        return _required(await self.acheck())

    def __repr__(self) -> str:
        state = "unchecked" if self._last is None else ("up" if self._last.up else "down")
        return f"HealthGate({self._base_url!r}, ttl_s={self.ttl_s}, last={state})"


def _required(health: ServiceHealth) -> ServiceHealth:
    if not health.up:
        raise OllamaUnavailableError(
            f"Ollama is not running at {health.base_url}: {health.error}", host=health.base_url
        )
    return health
