"""Build shared-ollama core clients lazily from a model's connection fields, and share them.

:func:`client_settings` is the pure part: it turns the LangChain-style fields (``base_url``,
``client_kwargs``, ``sync_client_kwargs``, ``async_client_kwargs``, ``timeout``,
``max_retries``, ``api_key``) into the keyword arguments of
:class:`shared_ollama.SharedOllamaClient` and :class:`shared_ollama.AsyncSharedOllamaClient`,
and into a *sharing key*. :class:`LazyClients` creates each client on first use, so building a
model never touches the network nor even imports the core client. An injected client is used as
given and never closed here: its owner closes it.

Sharing: models whose settings are plain values (strings, numbers, booleans, and lists or dicts
of them, such as ``headers``) share one sync client per process and one async client per event
loop. A process that builds a model per request therefore keeps one connection pool and one
concurrency cap per server, not one per model. Settings holding objects (a transport, an SSL
context, ``httpx.Limits``) get clients of their own, closed when the model is collected (sync)
or when the model or the event loop goes away (async).

Async clients are kept per event loop because an ``httpx.AsyncClient`` cannot be reused from
another loop (``asyncio.run`` twice, a test framework's fresh loop per test). Each one is closed
inside its loop when the loop shuts down: ``asyncio.run`` and ``asyncio.Runner`` close the
loop's async generators, and a parked generator holds the client's ``close``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
import weakref
from collections.abc import AsyncGenerator, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared_ollama import AsyncSharedOllamaClient, SharedOllamaClient

__all__ = ["ClientSettings", "LazyClients", "client_settings", "sharing_key"]


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Constructor arguments for the sync and async core clients.

    Attributes:
        host: The base URL given by the user, or ``None`` to let shared-ollama resolve it from
            the environment (``SHARED_OLLAMA_URL``, ``OLLAMA_BASE_URL``, ``OLLAMA_HOST``).
        sync_kwargs: Keyword arguments for :class:`shared_ollama.SharedOllamaClient`.
        async_kwargs: Keyword arguments for :class:`shared_ollama.AsyncSharedOllamaClient`.
        max_retries: Retries after a failed attempt, turned into the core's
            ``retry=RetryPolicy(attempts=max_retries + 1)`` when the kwargs set no ``retry``;
            ``None`` keeps the core's default policy.
        sync_key: Key under which the sync client is shared, ``None`` when it is not shared.
        async_key: The same for the async client.
    """

    host: str | None
    sync_kwargs: Mapping[str, Any] = field(default_factory=dict)
    async_kwargs: Mapping[str, Any] = field(default_factory=dict)
    max_retries: int | None = None
    sync_key: Hashable | None = None
    async_key: Hashable | None = None


class _NotPlainError(Exception):
    """A setting holds an object, so clients built from it are not shared."""


def _freeze(value: Any) -> Hashable:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return ("mapping", tuple(sorted((str(k), _freeze(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("sequence", tuple(_freeze(item) for item in value))
    raise _NotPlainError


def sharing_key(
    host: str | None, kwargs: Mapping[str, Any], max_retries: int | None
) -> Hashable | None:
    """Return the key clients with these settings are shared under, or ``None`` (not shared).

    Equal plain settings give equal keys; any setting holding another kind of object (whose
    equality says nothing about behaviour) gives ``None``.
    """
    try:
        return (host, _freeze(dict(kwargs)), max_retries)
    except _NotPlainError:
        return None


def _merge_headers(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**base, **extra}
    if "headers" in base and "headers" in extra:
        merged["headers"] = {**dict(base["headers"]), **dict(extra["headers"])}
    return merged


def client_settings(
    *,
    base_url: str | None,
    client_kwargs: Mapping[str, Any] | None,
    sync_client_kwargs: Mapping[str, Any] | None,
    async_client_kwargs: Mapping[str, Any] | None,
    timeout: float | None,
    max_retries: int | None,
    api_key: str | None,
) -> ClientSettings:
    """Return the core clients' constructor arguments for a model's connection fields.

    ``client_kwargs`` go to both clients, ``sync_client_kwargs``/``async_client_kwargs`` are
    merged over them for one side only (``headers`` are merged key by key). ``timeout`` and
    ``api_key`` are added when given and not already set in the kwargs; ``max_retries`` is kept
    for :class:`LazyClients` to turn into a retry policy. Credentials in ``base_url``
    (``http://user:pass@host``) are handled by shared-ollama's host parser (HTTP basic auth).

    Raises:
        ValueError: ``max_retries`` is negative or ``timeout`` is not positive.
    """
    common: dict[str, Any] = dict(client_kwargs or {})
    if timeout is not None:
        if timeout <= 0:
            raise ValueError(f"timeout={timeout} must be a positive number of seconds (or None)")
        common.setdefault("timeout", timeout)
    if max_retries is not None and max_retries < 0:
        raise ValueError(f"max_retries={max_retries} must be 0 or more (or None)")
    if api_key is not None:
        common.setdefault("api_key", api_key)
    host = base_url or None
    sync_kwargs = _merge_headers(common, sync_client_kwargs or {})
    async_kwargs = _merge_headers(common, async_client_kwargs or {})
    return ClientSettings(
        host=host,
        sync_kwargs=sync_kwargs,
        async_kwargs=async_kwargs,
        max_retries=max_retries,
        sync_key=sharing_key(host, sync_kwargs, max_retries),
        async_key=sharing_key(host, async_kwargs, max_retries),
    )


def _with_retry(kwargs: Mapping[str, Any], max_retries: int | None) -> dict[str, Any]:
    """Return ``kwargs`` with the core retry policy ``max_retries`` implies, when one is given."""
    built = dict(kwargs)
    if max_retries is not None and "retry" not in built:
        from shared_ollama import RetryPolicy  # noqa: PLC0415 (core loads on first use)

        built["retry"] = RetryPolicy(attempts=max_retries + 1)
    return built


def _build_sync(settings: ClientSettings) -> SharedOllamaClient:
    from shared_ollama import SharedOllamaClient  # noqa: PLC0415 (core loads on first use)

    return SharedOllamaClient(
        settings.host, **_with_retry(settings.sync_kwargs, settings.max_retries)
    )


def _build_async(settings: ClientSettings) -> AsyncSharedOllamaClient:
    from shared_ollama import AsyncSharedOllamaClient  # noqa: PLC0415 (core loads on first use)

    return AsyncSharedOllamaClient(
        settings.host, **_with_retry(settings.async_kwargs, settings.max_retries)
    )


async def _close_on_exit(client: AsyncSharedOllamaClient) -> AsyncGenerator[None, None]:
    """Park until the loop shuts its async generators down, then close ``client`` in it."""
    try:
        yield
    finally:
        await client.close()


def _park_closer(client: AsyncSharedOllamaClient) -> AsyncGenerator[None, None]:
    """Start :func:`_close_on_exit` in the running loop and return it (keep a reference).

    Its first step finishes at once (there is nothing to await before the ``yield``), so it is
    driven here synchronously; the loop registers it on that first step.
    """
    closer = _close_on_exit(client)
    first = closer.asend(None)
    with contextlib.suppress(StopIteration):
        first.send(None)
    return closer


_Parked = tuple["AsyncSharedOllamaClient", AsyncGenerator[None, None]]

_SHARED_LOCK = threading.Lock()
_SHARED_SYNC: dict[Hashable, SharedOllamaClient] = {}
_SHARED_ASYNC: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, _Parked]] = (
    weakref.WeakKeyDictionary()
)


@atexit.register
def _close_shared_sync_clients() -> None:
    with _SHARED_LOCK:
        clients = list(_SHARED_SYNC.values())
        _SHARED_SYNC.clear()
    for client in clients:
        client.close()


def _shared_sync(settings: ClientSettings, key: Hashable) -> SharedOllamaClient:
    with _SHARED_LOCK:
        client = _SHARED_SYNC.get(key)
        if client is None:
            client = _SHARED_SYNC[key] = _build_sync(settings)
        return client


def _shared_async(
    settings: ClientSettings, key: Hashable, loop: asyncio.AbstractEventLoop
) -> AsyncSharedOllamaClient:
    with _SHARED_LOCK:  # loops in other threads share the registry
        per_loop = _SHARED_ASYNC.get(loop)
        if per_loop is None:
            per_loop = _SHARED_ASYNC[loop] = {}
        parked = per_loop.get(key)
        if parked is None:
            client = _build_async(settings)
            parked = per_loop[key] = (client, _park_closer(client))
        return parked[0]


class LazyClients:
    """Hands out the sync client and the running loop's async client, building them on first use.

    Args:
        settings: What to build the clients with.
        sync_client: A ready sync client to use instead of building one.
        async_client: A ready async client to use (from any loop) instead of building one.
    """

    __slots__ = ("__weakref__", "_async", "_async_client", "_lock", "_settings", "_sync")

    def __init__(
        self,
        settings: ClientSettings,
        *,
        sync_client: SharedOllamaClient | None = None,
        async_client: AsyncSharedOllamaClient | None = None,
    ) -> None:
        self._settings = settings
        self._sync = sync_client
        self._async_client = async_client
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Parked] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        shared = self._settings.sync_key is not None
        return f"LazyClients(host={self._settings.host!r}, shared={shared})"

    @property
    def settings(self) -> ClientSettings:
        """The constructor arguments the clients are built with."""
        return self._settings

    def sync(self) -> SharedOllamaClient:
        """Return the sync client, building (or finding the shared one) on first use."""
        client = self._sync
        if client is not None:
            return client
        with self._lock:
            if self._sync is None:
                key = self._settings.sync_key
                if key is not None:
                    self._sync = _shared_sync(self._settings, key)
                else:
                    own = _build_sync(self._settings)
                    weakref.finalize(self, own.close)
                    self._sync = own
            return self._sync

    def async_(self) -> AsyncSharedOllamaClient:
        """Return the async client for the running event loop, building it on first use."""
        if self._async_client is not None:
            return self._async_client
        loop = asyncio.get_running_loop()
        key = self._settings.async_key
        if key is not None:
            return _shared_async(self._settings, key, loop)
        with self._lock:
            parked = self._async.get(loop)
            if parked is None:
                client = _build_async(self._settings)
                parked = self._async[loop] = (client, _park_closer(client))
            return parked[0]
