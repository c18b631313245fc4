"""Several hosts: ranking by loaded model, pulled model and load; failover before the first byte."""

from __future__ import annotations

import httpx
import pytest

from shared_ollama import (
    CircuitOpenError,
    OllamaUnavailableError,
    RetryPolicy,
    SharedOllamaClient,
)
from shared_ollama._host import parse_host
from shared_ollama._resilience._breaker import CircuitBreaker
from shared_ollama._resilience._classify import FailureClass
from shared_ollama._resilience._retry_budget import RetryBudget
from shared_ollama._resilience._routing import HostState, ModelCatalog, rank_hosts

REPLY = {"model": "m", "message": {"role": "assistant", "content": "ok"}, "done": True}


def _state(name: str) -> HostState:
    host = parse_host(f"http://{name}:11434")
    return HostState(
        host=host,
        base=host.base_url,
        breaker=CircuitBreaker(host.base_url),
        budget=RetryBudget(),
    )


def test_rank_hosts_prefers_loaded_then_pulled_then_idle() -> None:
    """A host with the model loaded wins; then one that has it; then the least busy."""
    a, b, c = _state("a"), _state("b"), _state("c")
    a.catalog.update(["other:latest"])
    b.catalog.update(["m:latest"])
    c.catalog.update(["m:latest"])
    c.in_flight = 2
    assert rank_hosts([a, b, c], "m") == [b, c, a]
    c.loaded.update_from_ps(["m"])
    assert rank_hosts([a, b, c], "m")[0] is c


def test_rank_hosts_puts_tried_hosts_last_and_skips_open_breakers() -> None:
    """Hosts that failed this call go last; a host whose breaker is open is left out."""
    a, b = _state("a"), _state("b")
    assert rank_hosts([a, b], "m", exclude=[a]) == [b, a]
    for _ in range(5):
        b.breaker.acquire().failure(FailureClass.NOT_SENT)
    assert rank_hosts([a, b], "m") == [a]


def test_model_catalog_is_stale_after_its_ttl() -> None:
    """The /api/tags listing is trusted only for its time to live."""
    now = [0.0]
    catalog = ModelCatalog(clock=lambda: now[0], ttl=10)
    assert catalog.has("m") is None
    catalog.update(["m:latest"])
    assert catalog.has("m") is True
    now[0] = 11
    assert catalog.has("m") is None


def test_client_fails_over_to_next_host_when_first_refuses() -> None:
    """A refused connection on the first host is retried on the second, which answers."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url.host} {request.url.path}")
        if request.url.host == "down":
            raise httpx.ConnectError("refused", request=request)
        if request.url.path in ("/api/ps", "/api/tags"):
            return httpx.Response(200, json={"models": [{"model": "m:latest"}]})
        return httpx.Response(200, json=REPLY)

    with SharedOllamaClient(
        hosts=["http://down:1", "http://up:2"], transport=httpx.MockTransport(handler)
    ) as client:
        assert client.chat("m", [{"role": "user", "content": "x"}]).message.content == "ok"
    assert "up /api/chat" in seen
    assert [entry for entry in seen if entry.endswith("/api/chat")][-1] == "up /api/chat"


def test_client_routes_to_host_with_model_loaded() -> None:
    """With the model loaded only on the second host, the call goes there first."""
    chats: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/ps":
            loaded = [{"model": "m:latest"}] if request.url.host == "warm" else []
            return httpx.Response(200, json={"models": loaded})
        if request.url.path == "/api/tags":
            return httpx.Response(200, json={"models": [{"model": "m:latest"}]})
        chats.append(request.url.host)
        return httpx.Response(200, json=REPLY)

    with SharedOllamaClient(
        hosts=["http://cold:1", "http://warm:2"], transport=httpx.MockTransport(handler)
    ) as client:
        client.chat("m:latest", [])
    assert chats == ["warm"]


def test_hosts_argument_is_validated() -> None:
    """hosts= must be a non-empty list, and cannot be combined with host=."""
    with pytest.raises(ValueError, match="non-empty list"):
        SharedOllamaClient(hosts=[])
    with pytest.raises(ValueError, match="not both"):
        SharedOllamaClient("http://a:1", hosts=["http://b:2"])
    with pytest.raises(ValueError, match=r"hosts\[1\]"):
        SharedOllamaClient(hosts=["http://a:1", "ftp://b"])


def test_open_breaker_fails_fast_without_touching_the_network() -> None:
    """After repeated refusals the breaker opens: the next call raises at once, nothing is sent."""
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        raise httpx.ConnectError("refused", request=request)

    client = SharedOllamaClient(
        "http://dead:1", transport=httpx.MockTransport(handler), retry=RetryPolicy(attempts=1)
    )
    for _ in range(5):
        with pytest.raises(OllamaUnavailableError):
            client.version()
    count = len(sent)
    with pytest.raises(CircuitOpenError) as caught:
        client.version()
    assert len(sent) == count
    assert caught.value.retry_after > 0
    assert "dead" in str(caught.value)


def test_breaker_is_shared_by_sync_and_async_clients_of_a_host() -> None:
    """Failures seen by a sync client open the breaker an async client of the same host uses."""
    import asyncio

    from shared_ollama import AsyncSharedOllamaClient

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    sync_client = SharedOllamaClient(
        "http://shared:1", transport=httpx.MockTransport(refuse), retry=RetryPolicy(attempts=1)
    )
    for _ in range(5):
        with pytest.raises(OllamaUnavailableError):
            sync_client.list()
    sent: list[httpx.Request] = []

    async def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"version": "1"})

    async def run() -> None:
        async with AsyncSharedOllamaClient(
            "http://shared:1", transport=httpx.MockTransport(record)
        ) as client:
            with pytest.raises(CircuitOpenError):
                await client.version()

    asyncio.run(run())
    assert sent == []
