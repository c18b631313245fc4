"""Several hosts: what the client knows of each, and which one a call should go to.

A client built with ``hosts=[...]`` keeps one :class:`HostState` per server. Each call goes to a
healthy host that already has the model loaded (``/api/ps``), else to the least busy healthy host
that has the model (``/api/tags``), else to any healthy host; hosts whose breaker is open are
skipped. Failing over happens only before the first byte of a reply. Everything here is pure:
the clients fetch ``/api/ps`` and ``/api/tags`` and feed the answers in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from shared_ollama._host import OllamaHost
from shared_ollama._resilience._breaker import BreakerState, CircuitBreaker
from shared_ollama._resilience._loaded_models import LoadedModels
from shared_ollama._resilience._retry_budget import RetryBudget

if TYPE_CHECKING:
    from shared_ollama._coordinator._slots import MachineQueue

__all__ = ["DEFAULT_CATALOG_TTL", "HostState", "ModelCatalog", "rank_hosts"]

DEFAULT_CATALOG_TTL = 10.0
"""Seconds an ``/api/tags`` answer is trusted when routing between several hosts."""


class ModelCatalog:
    """The models a host has pulled, as last listed by ``/api/tags``."""

    __slots__ = ("_clock", "_fetched_at", "_lock", "_names", "_ttl")

    def __init__(self, *, clock: Callable[[], float], ttl: float = DEFAULT_CATALOG_TTL) -> None:
        self._clock = clock
        self._ttl = ttl
        self._names: frozenset[str] = frozenset()
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def has(self, model: str) -> bool | None:
        """``True``/``False`` from a fresh listing, ``None`` when the listing is stale."""
        with self._lock:
            if self._fetched_at is None or self._clock() - self._fetched_at >= self._ttl:
                return None
            names = self._names
        return model in names or (":" not in model and f"{model}:latest" in names)

    def needs_refresh(self) -> bool:
        """Whether the listing is missing or stale."""
        with self._lock:
            return self._fetched_at is None or self._clock() - self._fetched_at >= self._ttl

    def update(self, names: Iterable[str] | None) -> None:
        """Replace the listing (``None`` when fetching it failed: known to be unknown for a while)."""
        with self._lock:
            self._names = frozenset(names) if names is not None else frozenset()
            self._fetched_at = self._clock()

    def __repr__(self) -> str:
        return f"ModelCatalog({sorted(self._names)})"


def _fresh_loaded_models() -> LoadedModels:
    return LoadedModels(clock=time.monotonic)


def _fresh_catalog() -> ModelCatalog:
    return ModelCatalog(clock=time.monotonic)


@dataclass(slots=True, eq=False)
class HostState:
    """What one client knows of one host.

    Attributes:
        host: The parsed address.
        base: Its base URL (the key of its breaker and retry budget).
        breaker: The process-wide breaker of this host.
        budget: The process-wide retry budget of this host.
        loaded: Loaded models (decides warm or cold timeouts, and routing).
        catalog: Pulled models (routing between several hosts only).
        auth: Basic auth from the address's ``user:password@``, if any.
        machine: The machine-wide cap on requests in flight to this host, when enabled.
        in_flight: Requests this client has open to the host now.
    """

    host: OllamaHost
    base: str
    breaker: CircuitBreaker
    budget: RetryBudget
    loaded: LoadedModels = field(default_factory=_fresh_loaded_models)
    catalog: ModelCatalog = field(default_factory=_fresh_catalog)
    auth: httpx.Auth | None = None
    machine: MachineQueue | None = None
    in_flight: int = 0

    def forget_listings(self) -> None:
        """Forget which models the host has loaded and pulled (between tests)."""
        self.loaded = _fresh_loaded_models()
        self.catalog = _fresh_catalog()

    def __repr__(self) -> str:
        return f"HostState({self.base!r}, breaker={self.breaker.state.value}, in_flight={self.in_flight})"


def rank_hosts(
    states: Sequence[HostState], model: str | None, *, exclude: Iterable[HostState] = ()
) -> list[HostState]:
    """Hosts in the order a call for ``model`` should try them.

    Hosts already tried by this call (``exclude``) go last, hosts whose breaker is open are left
    out unless every host is open (then the caller gets the breaker's fast failure). Among the
    rest: model loaded first, then model pulled (or unknown), then fewest requests in flight, then
    the order the user gave.
    """
    if len(states) == 1:
        return list(states)
    tried = set(map(id, exclude))

    def key(index_state: tuple[int, HostState]) -> tuple[int, int, int, int, int]:
        index, state = index_state
        warm = state.loaded.is_warm(model) if model else None
        has = state.catalog.has(model) if model else None
        return (
            1 if id(state) in tried else 0,
            0 if warm else 1,
            {True: 0, None: 1, False: 2}[has],
            state.in_flight,
            index,
        )

    ordered = [state for _, state in sorted(enumerate(states), key=key)]
    closed = [state for state in ordered if state.breaker.state is not BreakerState.OPEN]
    return closed or ordered
