"""The whole API replayed from cassettes recorded against a real Ollama 0.5.4 (smollm2:135m).

Re-record with ``scripts/record_cassettes.sh URL``. In replay the base URL does not matter:
cassettes match on method, path, query and body.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from shared_ollama import AsyncSharedOllamaClient, SharedOllamaClient

from ..api_flows import async_flows, copy_delete_flow, sync_flows

pytestmark = pytest.mark.vcr
MODEL = "smollm2:135m"


def _url() -> str:
    return os.environ.get("SHARED_OLLAMA_LIVE_URL", "http://127.0.0.1:11434")


def test_api_sync_flows_replay() -> None:
    """chat, generate (both streamed and not), embed, admin calls and errors, sync."""
    with SharedOllamaClient(_url()) as client:
        sync_flows(client, MODEL)


def test_api_async_flows_replay() -> None:
    """The same flows through the async client."""

    async def run() -> None:
        async with AsyncSharedOllamaClient(_url()) as client:
            await async_flows(client, MODEL)

    asyncio.run(run())


def test_api_copy_and_delete_replay() -> None:
    """Copy then delete a model alias, and deleting it twice fails."""
    with SharedOllamaClient(_url()) as client:
        seen = copy_delete_flow(client, MODEL)
    assert seen == {"listed": True, "after": False}
