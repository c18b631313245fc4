"""The whole API against a real Ollama (``-m live``; needs SHARED_OLLAMA_LIVE_URL)."""

from __future__ import annotations

import pytest

from shared_ollama import AsyncSharedOllamaClient, SharedOllamaClient

from ..api_flows import async_flows, copy_delete_flow, sync_flows

pytestmark = pytest.mark.live


def test_api_sync_flows_live(live_url: str, live_model: str) -> None:
    """Every endpoint, streaming and not, and the error classes, on the real server."""
    with SharedOllamaClient(live_url) as client:
        sync_flows(client, live_model)


async def test_api_async_flows_live(live_url: str, live_model: str) -> None:
    """The async client on the real server."""
    async with AsyncSharedOllamaClient(live_url) as client:
        await async_flows(client, live_model)


def test_api_copy_and_delete_live(live_url: str, live_model: str) -> None:
    """copy, list, delete, and a second delete fails."""
    with SharedOllamaClient(live_url) as client:
        assert copy_delete_flow(client, live_model) == {"listed": True, "after": False}
