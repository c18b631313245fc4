"""Core clients that integrations share: one per settings per process (sync), per event loop (async).

An integration (a LangChain chat model, a LlamaIndex LLM) is often built once per request or
per chain. If each instance built its own :class:`~shared_ollama.SharedOllamaClient`, a process
would hold one connection pool and one concurrency cap (``max_in_flight``) per *instance*, and
ten models would send ten times the requests the cap allows to a daemon that other projects
share. So instances whose client settings are equal plain values (strings, numbers, booleans,
and lists or dicts of them, such as ``headers``) share clients:

* one sync client per settings per process, closed at interpreter exit;
* one async client per settings **per event loop**, because an ``httpx.AsyncClient`` cannot be
  used from another loop (``asyncio.run`` twice, LlamaIndex running ``use_async`` work on a
  short-lived loop, a test framework's fresh loop per test). Each is closed inside its own loop
  when that loop shuts down (``asyncio.run`` and ``asyncio.Runner`` close the loop's async
  generators, and a parked generator holds the client's ``close``), and forgotten with the loop.

Frozen dataclasses (:class:`~shared_ollama.RetryPolicy`, ...) count as plain values. Settings
holding other objects (a transport, an SSL context, ``httpx.Limits``), whose equality says
nothing about behaviour, get clients of their own instead: the sync one closed when the
:class:`SharedClients` holding it is collected, the async ones when their loop shuts down. An
injected client is used as given and never closed here: its owner closes it.

:func:`close_shared_clients` closes and forgets every shared client;
:func:`shared_ollama.testing.reset` calls it, so a test suite never inherits clients of another
test (a :class:`SharedClients` looks the shared client up on every call, so it simply gets a
fresh one).
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
    from shared_ollama._core._async_client import AsyncSharedOllamaClient
    from shared_ollama._core._sync_client import SharedOllamaClient

__all__ = ["ClientRecipe", "SharedClients", "client_recipe", "close_shared_clients"]


@dataclass(frozen=True, slots=True)
class ClientRecipe:
    """How to build the sync and async core clients of an integration's model.

    Attributes:
        host: The base URL, or ``None`` to resolve it from the environment
            (``SHARED_OLLAMA_URL``, ``OLLAMA_BASE_URL``, ``OLLAMA_HOST``).
        sync_kwargs: Keyword arguments for :class:`~shared_ollama.SharedOllamaClient`.
        async_kwargs: Keyword arguments for :class:`~shared_ollama.AsyncSharedOllamaClient`.
        sync_key: The key the sync client is shared under, ``None`` when it is not shared.
        async_key: The same for the async clients.
    """

    host: str | None
    sync_kwargs: Mapping[str, Any] = field(default_factory=dict)
    async_kwargs: Mapping[str, Any] = field(default_factory=dict)
    sync_key: Hashable | None = None
    async_key: Hashable | None = None


class _NotPlainError(Exception):
    """A setting holds an object, so clients built from it are not shared."""


def _freeze(value: Any) -> Hashable:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    params = getattr(type(value), "__dataclass_params__", None)
    if params is not None and params.frozen:  # value objects such as RetryPolicy
        return ("value", value)
    if isinstance(value, Mapping):
        return ("mapping", tuple(sorted((str(k), _freeze(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("sequence", tuple(_freeze(item) for item in value))
    raise _NotPlainError


def _sharing_key(host: str | None, kwargs: Mapping[str, Any]) -> Hashable | None:
    """Equal plain settings give equal keys; settings holding other objects give ``None``."""
    try:
        return (host, _freeze(dict(kwargs)))
    except _NotPlainError:
        return None


def _merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**base, **extra}
    if "headers" in base and "headers" in extra:
        merged["headers"] = {**dict(base["headers"]), **dict(extra["headers"])}
    return merged


def client_recipe(
    host: str | None,
    kwargs: Mapping[str, Any] | None = None,
    *,
    sync_kwargs: Mapping[str, Any] | None = None,
    async_kwargs: Mapping[str, Any] | None = None,
) -> ClientRecipe:
    """Return the recipe for clients on ``host`` built with ``kwargs``.

    Args:
        host: The base URL, or ``None`` to resolve it from the environment.
        kwargs: Keyword arguments for both clients (``timeout``, ``headers``, ``retry``, ...).
        sync_kwargs: Merged over ``kwargs`` for the sync client only (``headers`` key by key).
        async_kwargs: Merged over ``kwargs`` for the async client only.
    """
    common = dict(kwargs or {})
    sync = _merged(common, sync_kwargs or {})
    async_ = _merged(common, async_kwargs or {})
    return ClientRecipe(
        host=host or None,
        sync_kwargs=sync,
        async_kwargs=async_,
        sync_key=_sharing_key(host or None, sync),
        async_key=_sharing_key(host or None, async_),
    )


def _build_sync(recipe: ClientRecipe) -> SharedOllamaClient:
    from shared_ollama._core._sync_client import SharedOllamaClient  # noqa: PLC0415 (import cost)

    return SharedOllamaClient(recipe.host, **recipe.sync_kwargs)


def _build_async(recipe: ClientRecipe) -> AsyncSharedOllamaClient:
    from shared_ollama._core._async_client import AsyncSharedOllamaClient  # noqa: PLC0415

    return AsyncSharedOllamaClient(recipe.host, **recipe.async_kwargs)


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

_LOCK = threading.Lock()
_SYNC: dict[Hashable, SharedOllamaClient] = {}
_ASYNC: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, _Parked]] = (
    weakref.WeakKeyDictionary()
)


@atexit.register
def close_shared_clients() -> None:
    """Close every shared sync client and forget every shared client.

    Shared async clients are forgotten, not closed: each belongs to its event loop and is closed
    inside it when that loop shuts down. Models keep working: they get new clients on their
    next call. Called at interpreter exit and by :func:`shared_ollama.testing.reset`.
    """
    with _LOCK:
        clients = list(_SYNC.values())
        _SYNC.clear()
        _ASYNC.clear()
    for client in clients:
        client.close()


def _shared_sync(recipe: ClientRecipe, key: Hashable) -> SharedOllamaClient:
    client = _SYNC.get(key)  # the common case: no lock
    if client is not None:
        return client
    with _LOCK:
        client = _SYNC.get(key)
        if client is None:
            client = _SYNC[key] = _build_sync(recipe)
        return client


def _parked_async(
    table: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, _Parked]],
    recipe: ClientRecipe,
    key: Hashable,
    lock: threading.Lock,
) -> AsyncSharedOllamaClient:
    loop = asyncio.get_running_loop()
    with lock:  # loops in other threads share the table
        per_loop = table.get(loop)
        if per_loop is None:
            per_loop = table[loop] = {}
        parked = per_loop.get(key)
        if parked is None:
            client = _build_async(recipe)
            parked = per_loop[key] = (client, _park_closer(client))
        return parked[0]


class SharedClients:
    """Hands out a model's sync client and the running loop's async client, built on first use.

    Args:
        recipe: How to build the clients (see :func:`client_recipe`).
        sync_client: A ready sync client to use instead (never closed here).
        async_client: A ready async client to use instead, from any loop (never closed here).
    """

    __slots__ = (
        "__weakref__",
        "_async_client",
        "_lock",
        "_own_async",
        "_own_sync",
        "_recipe",
        "_unbound",
    )

    def __init__(
        self,
        recipe: ClientRecipe,
        *,
        sync_client: SharedOllamaClient | None = None,
        async_client: AsyncSharedOllamaClient | None = None,
    ) -> None:
        self._recipe = recipe
        self._own_sync = sync_client
        self._async_client = async_client
        self._own_async: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[Hashable, _Parked]
        ] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._unbound: AsyncSharedOllamaClient | None = None

    def __repr__(self) -> str:
        shared = self._recipe.sync_key is not None
        return f"SharedClients(host={self._recipe.host!r}, shared={shared})"

    @property
    def recipe(self) -> ClientRecipe:
        """How the clients are built."""
        return self._recipe

    def sync(self) -> SharedOllamaClient:
        """Return the sync client: injected, else shared, else this object's own."""
        if self._own_sync is not None:
            return self._own_sync
        key = self._recipe.sync_key
        if key is not None:
            return _shared_sync(self._recipe, key)
        with self._lock:
            if self._own_sync is None:
                own = _build_sync(self._recipe)
                weakref.finalize(self, own.close)
                self._own_sync = own
            return self._own_sync

    def async_(self) -> AsyncSharedOllamaClient:
        """Return the async client for the running event loop (injected, shared, or own).

        Outside any event loop (reading a model's client settings from sync code) it returns
        one async client of this holder's own that no loop uses; calls made later from a loop
        get that loop's client.
        """
        if self._async_client is not None:
            return self._async_client
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            with self._lock:
                if self._unbound is None:
                    self._unbound = _build_async(self._recipe)
                return self._unbound
        key = self._recipe.async_key
        if key is not None:
            return _parked_async(_ASYNC, self._recipe, key, _LOCK)
        return _parked_async(self._own_async, self._recipe, "own", self._lock)
