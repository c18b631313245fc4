"""Resilience on the real Ollama: the breaker, a crash mid-stream, one probe, a full queue.

These tests stop and kill private ``ollama serve`` processes (see conftest.py). They assert on
behaviour, never on generated words; latencies they observe are printed for the issue notes,
not asserted.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from shared_ollama import (
    BreakerPolicy,
    BreakerState,
    CircuitOpenError,
    OllamaUnavailableError,
    RetryPolicy,
    ServerBusyError,
    SharedOllamaClient,
    StreamInterruptedError,
)
from shared_ollama._resilience._breaker_registry import breaker_for

pytestmark = pytest.mark.live
FAST_BREAKER = BreakerPolicy(base_open=0.5, max_open=1.0, jitter=0.0)
MESSAGES = [{"role": "user", "content": "Tell me a long story."}]


def _count_requests(client: SharedOllamaClient, sent: list[str]) -> None:
    client._client.event_hooks["request"].append(lambda request: sent.append(request.url.path))


def test_breaker_opens_when_server_stops_and_closes_when_it_returns(
    spawn_ollama, live_model: str, request_finalizer
) -> None:
    """Stop the daemon: five failures open the breaker and calls then fail without I/O; restart: it closes."""
    server = spawn_ollama()
    client = SharedOllamaClient(server.url, retry=RetryPolicy(attempts=1), breaker=FAST_BREAKER)
    request_finalizer(client)
    sent: list[str] = []
    _count_requests(client, sent)
    assert client.chat(live_model, MESSAGES, options={"num_predict": 2}).done
    server.kill()
    for _ in range(5):
        with pytest.raises(OllamaUnavailableError):
            client.version()
    before = len(sent)
    started = time.perf_counter()
    with pytest.raises(CircuitOpenError):
        client.version()
    print(f"\nfail-fast while open: {(time.perf_counter() - started) * 1e6:.0f} us")
    assert len(sent) == before
    assert breaker_for(server.url).state is BreakerState.OPEN

    server.start()
    time.sleep(FAST_BREAKER.max_open + 0.1)
    assert client.version().version
    assert client.version().version
    assert breaker_for(server.url).state is BreakerState.CLOSED


def test_crash_mid_stream_raises_interrupted_with_partial_text(
    spawn_ollama, live_model: str, request_finalizer
) -> None:
    """SIGKILL the daemon while a stream is flowing: StreamInterruptedError keeps what arrived."""
    server = spawn_ollama()
    client = SharedOllamaClient(server.url)
    request_finalizer(client)
    received: list[str] = []
    stream = client.chat(live_model, MESSAGES, options={"num_predict": 400}, stream=True)

    def consume() -> None:
        for index, chunk in enumerate(stream):
            received.append(chunk.message.content or "")
            if index == 3:
                server.kill()

    with pytest.raises(StreamInterruptedError) as caught:
        consume()
    assert caught.value.chunks_received >= 4
    assert caught.value.partial == "".join(received)


def test_exactly_one_probe_while_half_open(
    spawn_ollama, live_model: str, request_finalizer
) -> None:
    """Twenty callers at once when the breaker half-opens: one request reaches the server."""
    server = spawn_ollama()
    client = SharedOllamaClient(
        server.url, retry=RetryPolicy(attempts=1), breaker=FAST_BREAKER, max_in_flight=32
    )
    request_finalizer(client)
    sent: list[str] = []
    _count_requests(client, sent)
    server.kill()
    for _ in range(5):
        with pytest.raises(OllamaUnavailableError):
            client.version()
    time.sleep(FAST_BREAKER.max_open + 0.1)
    sent.clear()
    gate = threading.Barrier(20)

    def call() -> str:
        gate.wait()
        try:
            client.version()
        except CircuitOpenError:
            return "open"
        except OllamaUnavailableError:
            return "probe"
        return "ok"

    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(lambda _: call(), range(20)))
    assert outcomes.count("probe") == 1
    assert outcomes.count("open") == 19
    assert sent == ["/api/version"]


def test_full_queue_surfaces_busy_through_ollama_but_not_through_us(
    spawn_ollama, live_model: str
) -> None:
    """OLLAMA_NUM_PARALLEL=1, OLLAMA_MAX_QUEUE=1: bare ollama.Client sees 503s, ours none."""
    ollama = pytest.importorskip("ollama", reason="the ollama package is the comparison")
    server = spawn_ollama(OLLAMA_NUM_PARALLEL="1", OLLAMA_MAX_QUEUE="1")
    options = {"num_predict": 8}

    def flood(call) -> tuple[int, int]:
        busy = other = 0

        def one(_: int) -> None:
            nonlocal busy, other
            try:
                call()
            except ServerBusyError:
                busy += 1
            except ollama.ResponseError as exc:
                if exc.status_code == 503:
                    busy += 1
                else:
                    other += 1

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(one, range(24)))
        return busy, other

    def unload() -> None:
        # Only requests that must load a model can meet a full queue: start each flood cold.
        httpx.post(
            server.url + "/api/generate", json={"model": live_model, "keep_alive": 0}, timeout=60
        )
        while httpx.get(server.url + "/api/ps", timeout=10).json()["models"]:
            time.sleep(0.1)

    with ollama.Client(server.url) as bare, SharedOllamaClient(server.url) as ours:
        unload()
        bare_busy, bare_other = flood(lambda: bare.chat(live_model, MESSAGES, options=options))
        unload()
        our_busy, our_other = flood(lambda: ours.chat(live_model, MESSAGES, options=options))
    print(f"\n503s surfaced: ollama.Client {bare_busy}/24, SharedOllamaClient {our_busy}/24")
    assert (bare_other, our_other) == (0, 0)
    assert bare_busy > 0
    assert our_busy == 0
