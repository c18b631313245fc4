"""Where tracers, meters and loggers come from: injected providers, else the global ones.

We never configure an exporter and never set a global provider. A provider whose class comes from
the OpenTelemetry *API* package (the proxy installed before any SDK, or a no-op) records nothing,
so :class:`ProviderSlot` reports it as inactive and the instrumentation skips all work.

Asking the API for the global provider costs microseconds (it looks up an environment variable
each time), so a slot following the global provider asks at most once per
:data:`DEFAULT_RECHECK_INTERVAL_NS` while none is configured. The global provider can be set
once only, so once it is real the slot keeps what it made from it and never asks again. An SDK
configured after a client's first call is therefore picked up within a second.

Tracers, meters and loggers are asked for with :data:`SCHEMA_URL`, the OpenTelemetry schema of
the semantic-conventions release whose names we emit (:data:`SEMCONV_VERSION`), so a backend
can translate our attributes when the conventions move on.

OpenTelemetry's suppression context (the ``suppress_instrumentation`` key of the API's context,
set by ``opentelemetry.instrumentation.utils.suppress_instrumentation()`` and by exporters that
must not trace themselves) is honoured by :func:`instrumentation_suppressed`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from opentelemetry import context

from shared_ollama._version import __version__

__all__ = [
    "DEFAULT_RECHECK_INTERVAL_NS",
    "SCHEMA_URL",
    "SCOPE_NAME",
    "SEMCONV_VERSION",
    "ProviderSlot",
    "instrumentation_suppressed",
    "is_api_default",
    "scope_version",
]

SCOPE_NAME = "shared_ollama"
SEMCONV_VERSION = "1.41.0"
"""The semantic-conventions release whose GenAI names we emit (the last one that carried the
GenAI conventions inside the main repository; ``docs/telemetry.md`` lists what we use)."""
SCHEMA_URL = f"https://opentelemetry.io/schemas/{SEMCONV_VERSION}"
# The API keeps the key private, but it is the one contract every instrumentation and exporter
# shares: ``suppress_instrumentation()`` sets it, and instrumentations check it before emitting.
_SUPPRESS_KEY = context._SUPPRESS_INSTRUMENTATION_KEY
_API_PACKAGES = frozenset({"trace", "metrics", "_logs"})
_DEFAULT_TYPES: dict[type, bool] = {}
DEFAULT_RECHECK_INTERVAL_NS = 1_000_000_000

_Provider = TypeVar("_Provider")
_Made = TypeVar("_Made")


def scope_version() -> str:
    """Return the shared-ollama version for the instrumentation scope."""
    return __version__


def instrumentation_suppressed() -> bool:
    """Whether the current OpenTelemetry context asks instrumentations to emit nothing."""
    return bool(context.get_value(_SUPPRESS_KEY))


def is_api_default(provider: object) -> bool:
    """Whether ``provider`` is the API's proxy or no-op provider, which records nothing."""
    kind = type(provider)
    known = _DEFAULT_TYPES.get(kind)
    if known is None:
        parts = kind.__module__.split(".", 2)
        known = len(parts) >= 2 and parts[0] == "opentelemetry" and parts[1] in _API_PACKAGES
        _DEFAULT_TYPES[kind] = known
    return known


class ProviderSlot(Generic[_Provider, _Made]):
    """Holds what one provider makes (a tracer, instruments...), made when the provider is real.

    Args:
        injected: A provider given by the caller, or ``None`` to follow the global one.
        get_global: Returns the current global provider.
        make: Builds the thing we need from a real provider.
        recheck_interval_ns: While the global provider is the API default, how long to wait
            before asking again.
    """

    __slots__ = ("_get_global", "_interval", "_made", "_make", "_next_check", "_settled")

    def __init__(
        self,
        injected: _Provider | None,
        get_global: Callable[[], _Provider],
        make: Callable[[_Provider], _Made],
        *,
        recheck_interval_ns: int = DEFAULT_RECHECK_INTERVAL_NS,
    ) -> None:
        self._get_global = get_global
        self._make = make
        self._made: _Made | None = None
        self._settled = injected is not None
        self._interval = recheck_interval_ns
        self._next_check = -1
        if injected is not None and not is_api_default(injected):
            self._made = make(injected)

    def __repr__(self) -> str:
        return f"ProviderSlot(active={self._made is not None}, settled={self._settled})"

    def get(self, now_ns: int | None = None) -> _Made | None:
        """Return what was made from a real provider, or ``None`` while none is configured.

        Args:
            now_ns: The caller's ``time.perf_counter_ns()``; ``None`` always asks.
        """
        if self._settled:
            return self._made
        if now_ns is not None:
            if now_ns < self._next_check:
                return None
            self._next_check = now_ns + self._interval
        provider = self._get_global()
        if is_api_default(provider):
            return None
        self._made = self._make(provider)
        self._settled = True
        return self._made
