"""Which models a host has loaded: a small cache that decides short or long first-byte timeouts.

Fed by ``/api/ps`` answers and by our own successful calls (a model that just answered is loaded).
Pure: the caller supplies the clock and does the fetching.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

__all__ = ["DEFAULT_PS_TTL", "DEFAULT_WARM_TTL", "LoadedModels"]

DEFAULT_PS_TTL = 5.0
"""Seconds an ``/api/ps`` answer is trusted before it is fetched again."""
DEFAULT_WARM_TTL = 60.0
"""Seconds a model that just answered us is assumed to stay loaded."""


class LoadedModels:
    """The loaded models of one host, as last seen.

    Args:
        clock: Monotonic clock in seconds.
        ps_ttl: How long an ``/api/ps`` answer is trusted.
        warm_ttl: How long a model that answered us is assumed loaded.
    """

    __slots__ = ("_clock", "_fetched_at", "_lock", "_ps_ttl", "_warm_ttl", "_warm_until")

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        ps_ttl: float = DEFAULT_PS_TTL,
        warm_ttl: float = DEFAULT_WARM_TTL,
    ) -> None:
        self._clock = clock
        self._ps_ttl = ps_ttl
        self._warm_ttl = warm_ttl
        self._warm_until: dict[str, float] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def is_warm(self, model: str) -> bool | None:
        """``True`` if loaded, ``False`` if known not loaded, ``None`` when the list is stale."""
        now = self._clock()
        with self._lock:
            until = self._warm_until.get(model) or self._warm_until.get(_with_tag(model))
            if until is not None and until > now:
                return True
            if self._fetched_at is not None and now - self._fetched_at < self._ps_ttl:
                return False
        return None

    def needs_refresh(self) -> bool:
        """Whether the ``/api/ps`` answer is missing or older than its time to live."""
        with self._lock:
            return self._fetched_at is None or self._clock() - self._fetched_at >= self._ps_ttl

    def update_from_ps(self, models: Iterable[str]) -> None:
        """Replace the list with an ``/api/ps`` answer (model names)."""
        now = self._clock()
        with self._lock:
            self._warm_until = dict.fromkeys(models, now + self._ps_ttl)
            self._fetched_at = now

    def mark_warm(self, model: str) -> None:
        """Record that ``model`` just answered, so it is loaded for a while."""
        with self._lock:
            self._warm_until[model] = self._clock() + self._warm_ttl

    def mark_unknown(self) -> None:
        """Forget the list after ``/api/ps`` failed; the next call will try again."""
        with self._lock:
            self._fetched_at = self._clock()

    def __repr__(self) -> str:
        return f"LoadedModels({sorted(self._warm_until)})"


def _with_tag(model: str) -> str:
    return model if ":" in model else f"{model}:latest"
