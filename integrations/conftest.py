"""Fixtures every integration's tests share: the live server, cassettes, per-test hosts, events.

pytest loads this file for every test folder under ``integrations/`` (the repository's
``tests/conftest.py`` does not reach them). Each distribution's own ``tests/conftest.py`` adds
what only it needs, including ``vcr_cassette_dir`` (``<repo>/cassettes/<ecosystem>/<module>/``).
Cassettes match by the project's one rule (the root ``conftest.py``'s ``vcr_config``: method,
path, query and the body as Ollama reads it, never the host), so they replay whatever base URL
a test was built with.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from shared_ollama import AsyncSharedOllamaClient, SharedOllamaClient

LIVE_URL_VARIABLE = "SHARED_OLLAMA_LIVE_URL"
LIVE_MODEL = "smollm2:135m"
_hosts = itertools.count()


@pytest.fixture
def live_url() -> str:
    """Base URL of a real Ollama for live tests, or skip with the reason when none is configured."""
    url = os.environ.get(LIVE_URL_VARIABLE)
    if not url:
        pytest.skip(
            f"{LIVE_URL_VARIABLE} is unset: to run the live tier against your own Ollama, start it (`ollama serve`), pull the model (`ollama pull smollm2:135m`) and export "
            f"{LIVE_URL_VARIABLE}=http://127.0.0.1:11434"
        )
    return url


@pytest.fixture
def live_model() -> str:
    """The small model every live test and cassette uses."""
    return os.environ.get("SHARED_OLLAMA_LIVE_MODEL", LIVE_MODEL)


@pytest.fixture
def cassette_url() -> str:
    """Where cassette tests send requests: the live server when recording, any URL on replay."""
    return os.environ.get(LIVE_URL_VARIABLE, "http://127.0.0.1:11434")


@pytest.fixture(
    params=[
        pytest.param("cassette", marks=pytest.mark.vcr),
        pytest.param("live", marks=pytest.mark.live),
    ]
)
def server(request: pytest.FixtureRequest) -> tuple[str, str]:
    """``(base URL, model)``: the recorded setup for ``[cassette]``, the live server for ``[live]``.

    A test that takes it runs twice: ``[cassette]`` replays the module's cassettes (recorded
    with ``smollm2:135m``) and ``[live]`` talks to ``SHARED_OLLAMA_LIVE_URL``.
    """
    if request.param == "live":
        return request.getfixturevalue("live_url"), request.getfixturevalue("live_model")
    return request.getfixturevalue("cassette_url"), LIVE_MODEL


@pytest.fixture
async def clients(
    server: tuple[str, str],
) -> AsyncIterator[tuple[SharedOllamaClient, AsyncSharedOllamaClient]]:
    """Fresh core clients for ``server`` (no state shared between tests), closed afterwards."""
    url, _ = server
    sync_client = SharedOllamaClient(url)
    async_client = AsyncSharedOllamaClient(url)
    yield sync_client, async_client
    sync_client.close()
    await async_client.close()


@pytest.fixture
def fake_url() -> str:
    """A host name of its own for each test, so no breaker or warmth state leaks between tests."""
    return f"http://ollama-{next(_hosts)}.test:11434"


@pytest.fixture
def events() -> Iterator[list[str]]:
    """Names of the LlamaIndex instrumentation events emitted during the test (in order)."""
    from llama_index.core.instrumentation import get_dispatcher
    from llama_index.core.instrumentation.event_handlers import BaseEventHandler
    from llama_index.core.instrumentation.events import BaseEvent

    names: list[str] = []

    class EventLog(BaseEventHandler):
        """Collects the class names of the events it sees."""

        @classmethod
        def class_name(cls) -> str:
            """Name of this handler."""
            return "EventLog"

        def handle(self, event: BaseEvent, **kwargs: Any) -> None:
            """Record the event's class name."""
            names.append(event.class_name())

    root = get_dispatcher()
    handler = EventLog()
    root.add_event_handler(handler)
    yield names
    root.event_handlers.remove(handler)
