"""Core clients built from a model's connection fields: lazily, shared, closed after use.

How clients are shared (per process, per event loop) is tested with the core's
``shared_ollama.plugins.SharedClients`` (tests/unit/test_shared_clients.py); here, what the
LangChain fields turn into.
"""

from __future__ import annotations

import base64
import gc
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from langchain_shared_ollama import ChatSharedOllama
from shared_ollama import OllamaUnavailableError, RetryPolicy, SharedOllamaClient


class _Transport(httpx.MockTransport):
    """A MockTransport that remembers requests and whether it was closed."""

    def __init__(self, payload: dict[str, Any] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.closes = 0
        self.payload = payload or {
            "model": "m",
            "message": {"role": "assistant", "content": "ok"},
            "done": True,
            "done_reason": "stop",
        }
        super().__init__(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json=self.payload)

    @property
    def closed(self) -> bool:
        return self.closes > 0

    def close(self) -> None:
        self.closes += 1

    async def aclose(self) -> None:
        self.closes += 1


@pytest.fixture
def no_retry_waits() -> Iterator[None]:
    """Make the core's retry waits instant for one test."""
    from shared_ollama._resilience._policy import set_testing

    set_testing(True)
    yield
    set_testing(False)


def test_client_recipe_merges_kwargs_per_side() -> None:
    """Shared kwargs go to both clients, side kwargs win, headers merge key by key."""
    model = ChatSharedOllama(
        model="m",
        base_url="http://h:1",
        client_kwargs={"headers": {"a": "1", "b": "1"}, "trust_env": False},
        sync_client_kwargs={"headers": {"b": "sync"}},
        async_client_kwargs={"trust_env": True},
        timeout=30.0,
        max_retries=2,
        api_key="k",
    )

    recipe = model._clients.recipe

    assert recipe.host == "http://h:1"
    assert recipe.sync_kwargs == {
        "headers": {"a": "1", "b": "sync"},
        "trust_env": False,
        "timeout": 30.0,
        "api_key": "k",
        "retry": RetryPolicy(attempts=3),
    }
    assert recipe.async_kwargs["trust_env"] is True
    assert recipe.async_kwargs["headers"] == {"a": "1", "b": "1"}
    assert recipe.sync_key is not None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("timeout", 0, "positive"), ("max_retries", -1, "0 or more")],
)
def test_connection_fields_refuse_impossible_limits(field: str, value: Any, message: str) -> None:
    """A non-positive timeout or a negative retry count is a ValueError at construction."""
    with pytest.raises(ValueError, match=message):
        ChatSharedOllama(model="m", **{field: value})


def test_models_with_equal_settings_share_clients() -> None:
    """Two models with equal plain settings talk through one sync client; others do not."""
    first = ChatSharedOllama(model="a", base_url="http://share.test:1", max_retries=1)
    second = ChatSharedOllama(model="b", base_url="http://share.test:1", max_retries=1)
    other = ChatSharedOllama(model="a", base_url="http://share.test:1", max_retries=2)

    assert first._clients.sync() is second._clients.sync()
    assert first._clients.sync() is not other._clients.sync()


def test_model_kwargs_reach_the_wire_with_userinfo_auth() -> None:
    """Headers from ``client_kwargs``, ``base_url`` credentials and the host all apply."""
    transport = _Transport()
    model = ChatSharedOllama(
        model="m",
        base_url="http://alice:s3cret@ollama.test:8080",
        client_kwargs={"headers": {"X-Team": "search"}},
        sync_client_kwargs={"transport": transport},
    )

    model.invoke("Hi")

    (request,) = transport.requests
    assert str(request.url) == "http://ollama.test:8080/api/chat"
    assert request.headers["x-team"] == "search"
    expected = base64.b64encode(b"alice:s3cret").decode()
    assert request.headers["authorization"] == f"Basic {expected}"


async def test_async_model_kwargs_reach_the_wire_with_userinfo_auth() -> None:
    """The async client gets the same headers and credentials."""
    transport = _Transport()
    model = ChatSharedOllama(
        model="m",
        base_url="http://alice:s3cret@ollama.test:8080",
        client_kwargs={"headers": {"X-Team": "search"}},
        async_client_kwargs={"transport": transport},
    )

    await model.ainvoke("Hi")

    (request,) = transport.requests
    assert request.headers["x-team"] == "search"
    assert request.headers["authorization"].startswith("Basic ")


def test_api_key_is_sent_as_bearer_token() -> None:
    """``api_key`` becomes an ``Authorization: Bearer`` header."""
    transport = _Transport()
    model = ChatSharedOllama(
        model="m",
        base_url="http://ollama.test:1",
        api_key="k-1",
        client_kwargs={"transport": transport},
    )

    model.invoke("Hi")

    assert transport.requests[0].headers["authorization"] == "Bearer k-1"


def test_max_retries_sets_the_number_of_attempts(no_retry_waits: None) -> None:
    """``max_retries=2`` means three attempts in all when nothing answers."""
    attempts = 0

    def refuse(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ConnectError("refused", request=request)

    model = ChatSharedOllama(
        model="m",
        base_url="http://retry-count.test:1",
        max_retries=2,
        client_kwargs={"transport": httpx.MockTransport(refuse)},
    )

    with pytest.raises(OllamaUnavailableError):
        model.invoke("Hi")
    assert attempts == 3


def test_sync_client_is_built_once_and_closed_with_its_model() -> None:
    """One sync client per model, closed when the model is collected."""
    transport = _Transport()
    model = ChatSharedOllama(
        model="m", base_url="http://ollama.test:1", client_kwargs={"transport": transport}
    )
    model.invoke("a")
    model.invoke("b")
    assert len(transport.requests) == 2
    assert not transport.closed

    del model
    gc.collect()

    assert transport.closed


def test_injected_clients_are_used_and_never_closed() -> None:
    """Injected clients serve every call and stay open after the model is gone."""
    transport = _Transport()
    client = SharedOllamaClient("http://ollama.test:1", transport=transport)
    model = ChatSharedOllama(model="m", client=client)

    model.invoke("Hi")
    del model
    gc.collect()

    assert len(transport.requests) == 1
    assert json.loads(transport.requests[0].content)["model"] == "m"
    assert not transport.closed
