"""Where tracers, meters and loggers come from: injected providers, else the global ones.

We never configure an exporter and never set a global provider. A provider whose class comes from
the OpenTelemetry *API* package (the proxy installed before any SDK, or a no-op) records nothing,
so :class:`ProviderSlot` reports it as inactive and the instrumentation skips all work. The
global provider can be set once only, so the slot re-checks it (one function call) until it
turns real and then keeps the tracer, meter or logger it made from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from shared_ollama._version import __version__

__all__ = ["SCOPE_NAME", "ProviderSlot", "is_api_default", "scope_version"]

SCOPE_NAME = "shared_ollama"
_API_PACKAGES = frozenset({"trace", "metrics", "_logs"})

_Provider = TypeVar("_Provider")
_Made = TypeVar("_Made")


def scope_version() -> str:
    """Return the shared-ollama version for the instrumentation scope."""
    return __version__


def is_api_default(provider: object) -> bool:
    """Whether ``provider`` is the API's proxy or no-op provider, which records nothing."""
    parts = type(provider).__module__.split(".", 2)
    return len(parts) >= 2 and parts[0] == "opentelemetry" and parts[1] in _API_PACKAGES


class ProviderSlot(Generic[_Provider, _Made]):
    """Holds what one provider makes (a tracer, instruments...), made when the provider is real.

    Args:
        injected: A provider given by the caller, or ``None`` to follow the global one.
        get_global: Returns the current global provider.
        make: Builds the thing we need from a real provider.
    """

    __slots__ = ("_get_global", "_made", "_make", "_settled")

    def __init__(
        self,
        injected: _Provider | None,
        get_global: Callable[[], _Provider],
        make: Callable[[_Provider], _Made],
    ) -> None:
        self._get_global = get_global
        self._make = make
        self._made: _Made | None = None
        self._settled = injected is not None
        if injected is not None and not is_api_default(injected):
            self._made = make(injected)

    def __repr__(self) -> str:
        return f"ProviderSlot(active={self._made is not None}, settled={self._settled})"

    def get(self) -> _Made | None:
        """Return what was made from a real provider, or ``None`` while none is configured."""
        if self._settled:
            return self._made
        provider = self._get_global()
        if is_api_default(provider):
            return None
        self._made = self._make(provider)
        self._settled = True
        return self._made
