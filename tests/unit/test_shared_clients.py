"""Clients integrations share: one per settings per process (sync), per event loop (async)."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import httpx
import pytest

from shared_ollama import RetryPolicy, SharedOllamaClient
from shared_ollama.plugins import SharedClients, client_recipe, close_shared_clients
from shared_ollama.testing import reset


class _Transport(httpx.MockTransport):
    """A MockTransport that answers ``{}`` and counts how often it was closed."""

    def __init__(self) -> None:
        self.closes = 0
        super().__init__(lambda request: httpx.Response(200, json={}))

    def close(self) -> None:
        self.closes += 1

    async def aclose(self) -> None:
        self.closes += 1


def _plain(**kwargs: Any) -> SharedClients:
    return SharedClients(client_recipe("http://shared-clients.test:1", kwargs))


def test_client_recipe_merges_side_kwargs_over_common_ones() -> None:
    """Side kwargs win; ``headers`` merge key by key; objects make the settings unshared."""
    recipe = client_recipe(
        "http://h:1",
        {"headers": {"a": "1", "b": "1"}, "timeout": 3.0},
        sync_kwargs={"headers": {"b": "sync"}},
        async_kwargs={"timeout": 9.0},
    )

    assert recipe.sync_kwargs == {"headers": {"a": "1", "b": "sync"}, "timeout": 3.0}
    assert recipe.async_kwargs == {"headers": {"a": "1", "b": "1"}, "timeout": 9.0}
    assert recipe.sync_key != recipe.async_key
    assert client_recipe(None, {"transport": _Transport()}).sync_key is None
    assert client_recipe(None, {"retry": RetryPolicy(attempts=2)}).sync_key is not None


def test_equal_plain_settings_share_one_sync_client_per_process() -> None:
    """Equal plain settings (frozen value objects included) share; different ones do not."""
    first = _plain(headers={"X-Team": "a"}, retry=RetryPolicy(attempts=2))
    second = _plain(headers={"X-Team": "a"}, retry=RetryPolicy(attempts=2))
    other = _plain(headers={"X-Team": "b"}, retry=RetryPolicy(attempts=2))

    assert first.sync() is second.sync()
    assert first.sync() is not other.sync()


def test_equal_plain_settings_share_one_async_client_per_event_loop() -> None:
    """Within a loop two holders share; a new loop gets a new client."""
    first = _plain(headers={"X-Team": "a"})
    second = _plain(headers={"X-Team": "a"})

    async def use() -> Any:
        assert first.async_() is second.async_()
        return first.async_()

    assert asyncio.run(use()) is not asyncio.run(use())


def test_async_clients_are_closed_when_their_loop_shuts_down() -> None:
    """Each loop's client (own, here: a transport is not shareable) is closed in that loop."""
    transport = _Transport()
    clients = SharedClients(client_recipe("http://h:1", async_kwargs={"transport": transport}))

    async def use() -> Any:
        client = clients.async_()
        assert clients.async_() is client
        return client

    first = asyncio.run(use())
    assert transport.closes == 1
    second = asyncio.run(use())

    assert first is not second
    assert transport.closes == 2


def test_settings_holding_objects_get_their_own_sync_client_closed_with_the_holder() -> None:
    """A transport in the kwargs gives each holder its own client, closed when it is collected."""
    transport = _Transport()
    holder = SharedClients(client_recipe("http://h:1", {"transport": transport}))
    other = SharedClients(client_recipe("http://h:1", {"transport": transport}))

    assert holder.sync() is not other.sync()
    del holder
    gc.collect()

    assert transport.closes == 1


def test_injected_clients_are_used_and_never_closed() -> None:
    """An injected sync client serves every call and stays open after its holder is gone."""
    transport = _Transport()
    client = SharedOllamaClient("http://h:1", transport=transport)
    holder = SharedClients(client_recipe("http://h:1"), sync_client=client)

    assert holder.sync() is client
    del holder
    gc.collect()
    close_shared_clients()

    assert transport.closes == 0
    client.close()


def test_async_client_outside_a_loop_is_the_holders_own_and_unused_by_loops() -> None:
    """Outside async code one client of the holder's own comes back; a loop gets another."""
    holder = _plain(headers={"X-Unbound": "1"})
    unbound = holder.async_()

    async def in_loop() -> Any:
        return holder.async_()

    assert holder.async_() is unbound
    assert asyncio.run(in_loop()) is not unbound


@pytest.mark.parametrize("forget", [close_shared_clients, reset])
def test_close_shared_clients_closes_them_and_holders_get_fresh_ones(forget: Any) -> None:
    """``close_shared_clients`` and ``testing.reset`` close them; holders get new ones."""
    holder = _plain(headers={"X-Reset": "1"})
    before = holder.sync()

    forget()
    after = holder.sync()

    assert before._client.is_closed  # the httpx client underneath
    assert after is not before
    assert not after._client.is_closed
