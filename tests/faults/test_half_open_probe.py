"""A half-open probe whose stream outlives ``probe_timeout`` does not leave two probes undecided.

The rule the clients follow: a probe's permit is settled (as a success) as soon as the server
answers with a successful status, not when its body ends. So a probe that streams for longer
than ``probe_timeout`` has already counted when the next call asks; that call is the next probe
in the ordinary "one at a time" sense, and the two successes in a row close the circuit. Before
this rule the streaming probe held its permit until the stream ended: past ``probe_timeout`` a
second probe went out while the first was undecided, and the first one's success was dropped.

The breaker's clock is injected, so "past ``probe_timeout``" is a step of the clock, not a sleep.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import orjson
import pytest

from shared_ollama import (
    AsyncSharedOllamaClient,
    BreakerPolicy,
    BreakerState,
    CircuitOpenError,
    SharedOllamaClient,
)
from shared_ollama._resilience._breaker import CircuitBreaker
from shared_ollama._resilience._breaker_registry import breaker_for
from shared_ollama._resilience._classify import FailureClass

URL = "http://probe.test:11434"
POLICY = BreakerPolicy(consecutive_failures=1, probe_timeout=30.0, successes_to_close=2)
GENERATED = {"model": "m", "response": "ok", "done": True}


def chat_line(text: str, *, done: bool = False) -> bytes:
    """One NDJSON chat chunk as Ollama writes it."""
    return (
        orjson.dumps(
            {"model": "m", "message": {"role": "assistant", "content": text}, "done": done}
        )
        + b"\n"
    )


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def half_open_breaker(monkeypatch: pytest.MonkeyPatch) -> tuple[CircuitBreaker, Clock]:
    """The shared breaker of ``URL`` on a hand-moved clock, opened once and now half-open."""
    clock = Clock()
    breaker = breaker_for(URL, POLICY)
    monkeypatch.setattr(breaker, "_clock", clock)
    breaker.acquire().failure(FailureClass.SERVER_FAULT)
    assert breaker.state is BreakerState.OPEN
    clock.now += POLICY.max_open + 1
    assert breaker.state is BreakerState.HALF_OPEN
    return breaker, clock


def reply(
    request: httpx.Request, stream: httpx.SyncByteStream | httpx.AsyncByteStream
) -> httpx.Response:
    """The mock server: a streamed chat, a plain generate, an empty model listing."""
    if request.url.path == "/api/chat":
        return httpx.Response(200, stream=stream)
    if request.url.path == "/api/generate":
        return httpx.Response(200, json=GENERATED)
    return httpx.Response(200, json={"models": []})


def past_probe_timeout(
    breaker: CircuitBreaker, clock: Clock, transitions: list[BreakerState]
) -> None:
    """Move past ``probe_timeout`` while the first probe still streams; nothing has closed yet."""
    clock.now += POLICY.probe_timeout + 5
    assert breaker.state is BreakerState.HALF_OPEN
    assert transitions == []  # the first probe alone does not close the circuit


def second_call_closed(breaker: CircuitBreaker, transitions: list[BreakerState]) -> None:
    """The second call's success closed the circuit, the first probe's success counting too.

    Had the first probe still held its permit, the second call would have been let through as
    a probe replacing it (one success: still half-open) and the first one's success dropped.
    """
    assert transitions == [BreakerState.CLOSED]
    assert breaker.state is BreakerState.CLOSED


def test_sync_probe_streaming_past_probe_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sync client: the streaming probe is settled at its headers; the next call closes."""
    breaker, clock = half_open_breaker(monkeypatch)
    transitions: list[BreakerState] = []
    monkeypatch.setattr(breaker, "_on_state_change", lambda old, new, host: transitions.append(new))

    class Body(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield chat_line("Hel")
            yield chat_line("lo")
            yield chat_line("", done=True)

    transport = httpx.MockTransport(lambda request: reply(request, Body()))
    with SharedOllamaClient(URL, transport=transport, breaker=POLICY) as client:
        stream = iter(client.chat("m", [], stream=True))
        first = next(stream)
        assert first.message.content == "Hel"

        past_probe_timeout(breaker, clock, transitions)
        assert client.generate("m", "x").response == "ok"
        second_call_closed(breaker, transitions)
        rest = list(stream)
    assert "".join(chunk.message.content for chunk in rest) == "lo"
    assert breaker.state is BreakerState.CLOSED
    assert transitions == [BreakerState.CLOSED]


def test_async_probe_streaming_past_probe_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Async client: the same rule, with the second call made while the stream is open."""
    breaker, clock = half_open_breaker(monkeypatch)
    transitions: list[BreakerState] = []
    monkeypatch.setattr(breaker, "_on_state_change", lambda old, new, host: transitions.append(new))

    class Body(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield chat_line("Hel")
            yield chat_line("lo")
            yield chat_line("", done=True)

    transport = httpx.MockTransport(lambda request: reply(request, Body()))

    async def run() -> str:
        async with AsyncSharedOllamaClient(URL, transport=transport, breaker=POLICY) as client:
            stream = aiter(await client.chat("m", [], stream=True))
            first = await anext(stream)
            assert first.message.content == "Hel"
            past_probe_timeout(breaker, clock, transitions)
            assert (await client.generate("m", "x")).response == "ok"
            second_call_closed(breaker, transitions)
            return "".join([chunk.message.content async for chunk in stream])

    assert asyncio.run(run()) == "lo"
    assert breaker.state is BreakerState.CLOSED
    assert transitions == [BreakerState.CLOSED]


def test_undecided_probe_blocks_a_second_call_until_probe_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the probe waits for its headers, a second call fails fast; past the timeout it goes.

    The mock server makes the second calls itself, from inside the first request (before that
    request's headers exist), so "while the probe is undecided" needs no threads or sleeps.
    """
    breaker, clock = half_open_breaker(monkeypatch)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/api/chat":
            return reply(request, httpx.ByteStream(b""))
        with pytest.raises(CircuitOpenError) as caught:
            client.generate("m", "x")
        seen.append(f"refused, retry after {caught.value.retry_after:.0f} s")
        clock.now += POLICY.probe_timeout + 1  # the probe has held its permit too long
        seen.append(str(client.generate("m", "x").response))  # let through as the next probe
        return httpx.Response(200, content=chat_line("Hi") + chat_line("", done=True))

    with SharedOllamaClient(URL, transport=httpx.MockTransport(handler), breaker=POLICY) as client:
        chunks = list(client.chat("m", [], stream=True))
    assert seen == ["refused, retry after 30 s", "ok"]
    assert "".join(chunk.message.content for chunk in chunks) == "Hi"
    # The probe that outlived probe_timeout lost its permit: its late answer is not counted,
    # only the call that replaced it (one success of two), so the circuit is still half-open.
    assert breaker.state is BreakerState.HALF_OPEN
